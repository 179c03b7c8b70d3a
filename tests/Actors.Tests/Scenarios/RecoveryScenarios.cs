using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Nodes that crash and start again from their journal, and a node that fell behind the leader's
/// compacted log and catches up by snapshot (Raft paper §7) over the in-process network.
/// </summary>
public sealed class RecoveryScenarios
{
    [Fact]
    public async Task A_crashed_follower_restarted_from_its_journal_catches_up_and_applies_each_entry_once()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.AnyFollower(leader);
        for (var i = 0; i < 10; i++) await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Add("sum", 1, $"before-{i}"));
        await cluster.WaitForConvergenceAsync();

        await cluster.CrashAsync(follower);
        for (var i = 0; i < 10; i++) await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Add("sum", 1, $"while-down-{i}"));
        var restarted = await cluster.StartNodeAsync(follower);
        await restarted.WhenRecovered;
        await cluster.WaitForConvergenceAsync();

        var service = cluster.Services[follower];
        Assert.Equal("20", service.Get("sum"));
        Assert.Equal(1, service.TimesApplied(LedgerService.Add("sum", 1, "before-3")));
        Assert.Equal(1, service.TimesApplied(LedgerService.Add("sum", 1, "while-down-3")));
        Assert.Null(service.OrderViolation);
    }

    [Fact]
    public async Task A_crashed_leader_restarted_from_its_journal_loses_nothing_it_acknowledged()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var old = await cluster.WaitForLeaderAsync();
        for (var i = 0; i < 10; i++) await cluster.Nodes[old].ProposeAsync("ledger", LedgerService.Set($"k{i}", "acknowledged"));

        await cluster.CrashAsync(old);
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Set("later", "yes"));
        await cluster.StartNodeAsync(old);
        await cluster.WaitForConvergenceAsync();

        Assert.All(cluster.Services.Values, s =>
        {
            for (var i = 0; i < 10; i++) Assert.Equal("acknowledged", s.Get($"k{i}"));
            Assert.Equal("yes", s.Get("later"));
        });
    }

    [Fact]
    public async Task A_follower_behind_the_compacted_log_catches_up_by_snapshot()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3, snapshotEvery: 20, keepEntriesAfterSnapshot: 5);
        var leader = await cluster.WaitForLeaderAsync();
        var behind = cluster.AnyFollower(leader);

        cluster.Network.Isolate(behind);
        for (var i = 0; i < 60; i++) await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Add("sum", 1, $"entry-{i}"));
        // The leader's log must no longer hold what the follower lacks, or this would be ordinary replication.
        await ScenarioCluster.WaitUntilAsync(async () => (await cluster.Nodes[leader].GetStatusAsync()).AppliedIndex >= 60,
            () => "the leader to apply");
        Assert.Equal(0, cluster.Services[behind].Restores);

        cluster.Network.Heal();
        await cluster.WaitForConvergenceAsync();

        Assert.True(cluster.Services[behind].Restores > 0, "the follower caught up without a snapshot");
        Assert.Equal("60", cluster.Services[behind].Get("sum"));
        await cluster.Nodes[behind].ProposeAsync("ledger", LedgerService.Add("sum", 1, "after-snapshot"));
        await cluster.WaitForConvergenceAsync();
        Assert.All(cluster.Services.Values, s => Assert.Equal("61", s.Get("sum")));
        // The staged copy was stored in the journal and deleted.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(cluster.DataDirectory(behind), "snapshots-incoming")));
    }
}
