using RaftActors.Actors;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Nodes whose ActorSystem dies and starts again over the same SQLite journal and port, and a node that fell
/// behind the leader's compacted log and catches up by snapshot (Raft paper §7), over Akka.Remote.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class RecoveryScenarios
{
    private const int InstalledSnapshotEventId = 1004; // RaftActorLog.SnapshotInstalled

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

    [Fact(Skip = "Akka.Remote 1.5.74 with the throttler adapter: a system restarted while its links are black-holed is often still "
        + "unreachable after the heal (an Identify times out both ways for over 15 s; ForceDisassociate does not help), so the follower "
        + "never catches up. Not a RaftActors bug; see akkadotnet/akka.net#8433 and #8434 (throttler association lifecycle, fixed on dev).")]
    public async Task A_follower_restarted_while_cut_off_stays_behind_until_the_heal_and_then_catches_up()
    {
        // Its links are new and their handshakes black-holed: they give up after two seconds, not fifteen (the
        // handshake timeout of the DotNetty transport is its connection timeout).
        await using var cluster = await ScenarioCluster.StartAsync(3, systemConfig: "akka.remote.dot-netty.tcp.connection-timeout = 2s");
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.AnyFollower(leader);
        for (var i = 0; i < 5; i++) await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Add("sum", 1, $"before-{i}"));
        await cluster.WaitForConvergenceAsync();

        await cluster.Network.IsolateAsync(follower);
        await cluster.CrashAsync(follower);
        var restarted = await cluster.StartNodeAsync(follower);
        await restarted.WhenRecovered;
        for (var i = 0; i < 5; i++) await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Add("sum", 1, $"while-cut-{i}"));
        // Its new system got the cut too: it replayed its journal and heard nothing since.
        Assert.Equal("5", cluster.Services[follower].Get("sum"));
        Assert.NotEqual(Core.StateRole.Leader, restarted.Role);

        await cluster.Network.HealAsync();
        await cluster.WaitForConvergenceAsync(TimeSpan.FromSeconds(30));
        Assert.All(cluster.Services.Values, s => Assert.Equal("10", s.Get("sum")));
        Assert.Equal(1, cluster.Services[follower].TimesApplied(LedgerService.Add("sum", 1, "while-cut-4")));
        Assert.Equal(leader, await cluster.WaitForLeaderAsync());
    }

    [Fact]
    public async Task A_follower_behind_the_compacted_log_catches_up_by_snapshot()
    {
        const int entries = 3_000;
        await using var cluster = await ScenarioCluster.StartAsync(3, snapshotEvery: 500, keepEntriesAfterSnapshot: 100);
        var leader = await cluster.WaitForLeaderAsync();
        var behind = cluster.AnyFollower(leader);

        await cluster.Network.IsolateAsync(behind);
        await ProposeManyAsync(cluster.Nodes[leader], entries, parallelism: 64);
        // The leader's log must no longer hold what the follower lacks, or this would be ordinary replication.
        await ScenarioCluster.WaitUntilAsync(() => cluster.Events[leader].Any(e => e is SnapshotStored { Index: >= entries - 500 }),
            () => "the leader to snapshot near the end and compact its log behind it");
        Assert.Equal(0, cluster.Services[behind].Restores);

        await cluster.Network.HealAsync();
        await cluster.WaitForConvergenceAsync(TimeSpan.FromSeconds(30));

        var service = cluster.Services[behind];
        Assert.True(service.Restores > 0, "the follower caught up without a snapshot");
        Assert.True(cluster.Logs[behind].Contains(InstalledSnapshotEventId), "the follower installed no snapshot from the leader");
        Assert.True(service.Applied < entries / 2, $"the follower applied {service.Applied} entries one by one");
        Assert.Equal(entries.ToString(), service.Get("sum"));
        await cluster.Nodes[behind].ProposeAsync("ledger", LedgerService.Add("sum", 1, "after-snapshot"));
        await cluster.WaitForConvergenceAsync();
        Assert.All(cluster.Services.Values, s => Assert.Equal((entries + 1).ToString(), s.Get("sum")));
        // The staged copy was stored in the journal and deleted.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(cluster.DataDirectory(behind), "snapshots-incoming")));
    }

    /// <summary>Proposes <paramref name="count"/> distinct additions of 1 through <paramref name="node"/>, a few at a time.</summary>
    private static async Task ProposeManyAsync(RaftNode node, int count, int parallelism)
    {
        var next = -1;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count) await node.ProposeAsync("ledger", LedgerService.Add("sum", 1, $"entry-{i}"));
        }
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(_ => Task.Run(Worker)));
    }
}
