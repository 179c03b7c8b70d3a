using RaftActors.Jepsen.Harness;
using Xunit.Abstractions;

namespace RaftActors.Jepsen.Tests;

/// <summary>
/// The short run CI does: 3 host processes, a fault-free phase, then kills, pauses, (as root with nft)
/// partitions, a node replaced through deleteNode/addNode and a journal damaged on disk, from a printed seed;
/// the history must be linearizable, no acknowledged write lost, and writes accepted again within the bound
/// after every heal. JEPSEN_SECONDS / JEPSEN_SEED / JEPSEN_NODES
/// make it longer or replay a seed (docs/testing.md).
/// </summary>
public sealed class JepsenRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_cluster_under_kills_pauses_partitions_membership_changes_and_journal_damage_stays_linearizable_and_loses_no_acknowledged_write()
    {
        var options = JepsenOptions.FromEnvironment();
        var report = await new JepsenRun(options, Log).RunAsync(CancellationToken.None);
        var line = report.FigureLine();
        Log(line);
        Assert.True(report.Passed, $"{line}\n{report.Explain()}");
        Assert.Contains(report.Faults, f => f.Kind is FaultKind.KillLeader or FaultKind.KillRandom);
        Assert.Contains(report.Faults, f => f.Kind is FaultKind.PauseLeader or FaultKind.PauseRandom);
        Assert.Contains(report.Faults, f => f.Kind is FaultKind.ReplaceNode);
        Assert.Contains(report.Faults, f => f.Kind is FaultKind.CorruptJournal);
        if (report.PartitionsSkipped is null && options.Nodes >= 5) Assert.Contains(report.Faults, f => f.Kind is FaultKind.MajoritiesRing);
    }

    private void Log(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
