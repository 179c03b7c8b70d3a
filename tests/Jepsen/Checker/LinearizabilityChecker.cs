using System.Diagnostics;

namespace RaftActors.Jepsen.Checker;

/// <summary>
/// Checks a history of register operations for linearizability, one key at a time (a history is
/// linearizable iff each key's sub-history is: Herlihy &amp; Wing's locality, which is what makes the search
/// affordable). Each key gets a share of the budget; a key whose search runs out makes the whole answer
/// <see cref="Verdict.Unknown"/> unless another key is already illegal.
/// </summary>
public static class LinearizabilityChecker
{
    public static CheckResult Check(IEnumerable<Operation> history, CheckBudget? budget = null)
    {
        budget ??= CheckBudget.Default;
        using var timeout = new CancellationTokenSource(budget.Timeout);
        var results = new List<KeyVerdict>();
        foreach (var group in history.GroupBy(o => o.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ops = Prepare(group);
            var (verdict, steps) = RegisterSearch.Run(ops, anyInitial: false, budget.MaxStepsPerKey, timeout.Token);
            var window = verdict == Verdict.NotLinearizable ? FailureWindow.Find(ops, budget.MaxStepsPerKey, timeout.Token) : [];
            results.Add(new KeyVerdict(group.Key, verdict, ops.Count, steps, window));
        }
        var overall = results.Any(r => r.Verdict == Verdict.NotLinearizable) ? Verdict.NotLinearizable
            : results.Any(r => r.Verdict == Verdict.Unknown) ? Verdict.Unknown
            : Verdict.Linearizable;
        return new CheckResult(overall, results);
    }

    /// <summary>
    /// What the search needs of one key's operations. Failed operations had no effect and reads that did not
    /// answer told nothing: both go. An unknown write whose value no read returned goes too, exactly: if a
    /// linearization places it somewhere, the next operation after it is a write (a read would have returned
    /// its value), so removing it changes no read; and without it, the register lets it come last.
    /// </summary>
    internal static List<Operation> Prepare(IEnumerable<Operation> ops)
    {
        var list = ops.Where(o => o.Outcome != Outcome.Failed && !(o.Kind == OpKind.Read && o.Outcome == Outcome.Unknown)).ToList();
        var read = list.Where(o => o.Kind == OpKind.Read && o.Value is not null).Select(o => o.Value!).ToHashSet(StringComparer.Ordinal);
        list.RemoveAll(o => o.Kind == OpKind.Write && o.Outcome == Outcome.Unknown && !read.Contains(o.Value!));
        Debug.Assert(list.All(o => o.Outcome == Outcome.Unknown || o.Completed >= o.Invoked));
        return list;
    }
}
