using System.Globalization;
using System.Text;
using RaftActors.Jepsen.Checker;

namespace RaftActors.Jepsen.Harness;

/// <summary>What a run found, and the one figure line CI prints (<c>jepsen: ...</c>).</summary>
internal sealed record JepsenReport(
    JepsenOptions Options,
    string? PartitionsSkipped,
    IReadOnlyList<Operation> History,
    IReadOnlyList<FaultRecord> Faults,
    int FaultFreeFailures,
    IReadOnlyList<Operation> LostWrites,
    CheckResult Check,
    TimeSpan CheckTime,
    IReadOnlyList<string> Problems)
{
    public bool Passed => Check.Verdict == Verdict.Linearizable && LostWrites.Count == 0 && FaultFreeFailures == 0 && Problems.Count == 0
        && Faults.All(f => f.Recovery <= Nemesis.RecoveryBound);

    public string FigureLine()
    {
        var ok = History.Count(o => o.Outcome == Outcome.Ok);
        var failed = History.Count(o => o.Outcome == Outcome.Failed);
        var unknown = History.Count(o => o.Outcome == Outcome.Unknown);
        var faults = string.Join(", ", Faults.GroupBy(f => f.Kind).OrderBy(g => g.Key).Select(g => $"{Nemesis.Describe(g.Key)} {g.Count()}"));
        var recovery = Faults.Count == 0 ? "no faults" : $"max {Faults.Max(f => f.Recovery).TotalSeconds:F1} s (bound {Nemesis.RecoveryBound.TotalSeconds:F0} s)";
        var check = Check.Verdict switch
        {
            Verdict.Linearizable => "linearizable",
            Verdict.NotLinearizable => $"NOT linearizable on {string.Join(' ', Check.Failures.Select(f => f.Key))}",
            _ => "unknown (checker budget exhausted)",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"jepsen: seed={Options.Seed}, nodes={Options.Nodes}, fault phase {Options.FaultPhase.TotalSeconds:F0} s, ops={History.Count} (ok {ok}, failed {failed}, unknown {unknown}), "
            + $"faults: {(faults.Length == 0 ? "none" : faults)}{(PartitionsSkipped is null ? "" : $" (partitions skipped: {PartitionsSkipped})")}, "
            + $"lost acknowledged writes={LostWrites.Count}, fault-free failures={FaultFreeFailures}, writes accepted again on every node after a heal: {recovery}, "
            + $"history {check} ({Check.Keys.Count} keys, {CheckTime.TotalSeconds:F1} s), verdict={(Passed ? "PASS" : "FAIL")}");
    }

    /// <summary>Why the run failed, with the seed to replay it and the smallest failing window of each illegal key.</summary>
    public string Explain()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"replay with: JEPSEN_SEED={Options.Seed} JEPSEN_SECONDS={Options.FaultPhase.TotalSeconds:F0} JEPSEN_NODES={Options.Nodes} dotnet test tests/Jepsen -c Release --filter FullyQualifiedName~JepsenRunTests");
        foreach (var problem in Problems) text.AppendLine(problem);
        if (FaultFreeFailures > 0) text.AppendLine(CultureInfo.InvariantCulture, $"{FaultFreeFailures} operations did not succeed in the fault-free phase");
        foreach (var write in LostWrites.Take(20)) text.AppendLine(CultureInfo.InvariantCulture, $"lost: {write}");
        foreach (var failure in Check.Failures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"key {failure.Key}: not linearizable; smallest failing window ({failure.Window.Count} of {failure.Operations} operations):");
            foreach (var op in failure.Window) text.AppendLine(CultureInfo.InvariantCulture, $"  {op}");
            text.AppendLine("  the writes whose values its reads returned:");
            foreach (var line in ReadSources(failure)) text.AppendLine(CultureInfo.InvariantCulture, $"    {line}");
        }
        foreach (var fault in Faults) text.AppendLine(CultureInfo.InvariantCulture, $"fault {Nemesis.Describe(fault.Kind)} {fault.Targets}: held {fault.Held.TotalSeconds:F1} s, recovered in {fault.Recovery.TotalSeconds:F1} s");
        return text.ToString();
    }

    /// <summary>
    /// For each value a read of the window returned, the write of it (from the whole history: it is often outside
    /// the window, and where it sits is what the reader needs), or a note that no client wrote that value.
    /// </summary>
    private IEnumerable<string> ReadSources(KeyVerdict failure)
    {
        var values = failure.Window.Where(o => o is { Kind: OpKind.Read, Value: not null }).Select(o => o.Value!).Distinct(StringComparer.Ordinal).ToList();
        if (values.Count == 0) yield return "(none: every read in the window returned nothing)";
        foreach (var value in values)
        {
            var write = History.FirstOrDefault(o => o.Kind == OpKind.Write && o.Key == failure.Key && o.Value == value);
            yield return write is null
                ? $"{value}: written by no client"
                : $"{write}{(failure.Window.Any(o => o.Id == write.Id) ? "" : " (outside the window)")}";
        }
    }
}
