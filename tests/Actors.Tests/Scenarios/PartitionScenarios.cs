using System.Collections.Concurrent;
using RaftActors.Actors;
using RaftActors.Actors.Tests.Node;
using RaftActors.Core;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Partitions with real nodes over Akka.Remote, links black-holed by its throttler: only a majority commits
/// (Raft paper §5.3, §5.4: commitment needs a quorum), an old leader cut off cannot acknowledge a write, and a
/// healed cluster converges without losing an acknowledged write.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class PartitionScenarios
{
    private static readonly RequestOptions Short = new() { Timeout = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// A link whose transport heartbeats stop for a second is dropped (the default allows 124 s), and a black-holed
    /// handshake gives up after two (the handshake timeout of the DotNetty transport is its connection timeout):
    /// the cut shows as a disassociation, the heal as a new association.
    /// </summary>
    private const string FastFailureDetection = """
        akka.remote.transport-failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1s }
        akka.remote.dot-netty.tcp.connection-timeout = 2s
        """;

    [Fact]
    public async Task A_partitioned_old_leader_cannot_acknowledge_a_write_while_the_majority_can()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var old = await cluster.WaitForLeaderAsync();
        var acknowledged = new Dictionary<string, string>();
        for (var i = 0; i < 5; i++)
        {
            await cluster.Nodes[old].ProposeAsync("ledger", LedgerService.Set($"base{i}", "1"));
            acknowledged[$"base{i}"] = "1";
        }
        var majority = cluster.Nodes.Keys.Where(id => id != old).ToArray();

        await cluster.Network.PartitionAsync([old], majority);
        var commitBefore = (await cluster.Nodes[old].GetStatusAsync()).CommitIndex;
        // Proposed at once, while the old leader still believes it leads: it appends the entry but must not acknowledge it.
        var minorityWrite = cluster.Nodes[old].ProposeAsync("ledger", LedgerService.Set("lost", "minority"), Short);

        var leader = await cluster.WaitForLeaderAsync(majority);
        Assert.NotEqual(old, leader);
        for (var i = 0; i < 5; i++)
        {
            await cluster.Nodes[majority.First(id => id != leader)].ProposeAsync("ledger", LedgerService.Set($"kept{i}", "majority"));
            acknowledged[$"kept{i}"] = "majority";
        }

        var error = await Assert.ThrowsAsync<RaftNodeException>(() => minorityWrite);
        Assert.Contains(error.Code, new[] { RaftErrorCode.Timeout, RaftErrorCode.LeadershipLost, RaftErrorCode.NoLeader });
        var isolated = await cluster.Nodes[old].GetStatusAsync();
        Assert.Equal(commitBefore, isolated.CommitIndex);
        // CheckQuorum: a leader that hears from no majority for an election timeout steps down.
        await ScenarioCluster.WaitUntilAsync(() => !cluster.Nodes[old].IsLeader, () => $"node {old} to step down");
        Assert.Null(cluster.Services[old].Get("kept0"));

        await cluster.Network.HealAsync();
        await cluster.WaitForConvergenceAsync();
        Assert.All(cluster.Services.Values, s =>
        {
            foreach (var (key, value) in acknowledged) Assert.Equal(value, s.Get(key));
            // The old leader's entry was overwritten by the new leader's log: never applied anywhere.
            Assert.Null(s.Get("lost"));
        });
        Assert.Equal(leader, await cluster.WaitForLeaderAsync());
    }

    [Fact]
    public async Task An_isolated_follower_cannot_commit_and_its_commit_index_does_not_move()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.AnyFollower(leader);
        await cluster.Nodes[follower].ProposeAsync("ledger", LedgerService.Set("base", "1"));
        await cluster.WaitForConvergenceAsync();

        await cluster.Network.IsolateAsync(follower);
        var before = await cluster.Nodes[follower].GetStatusAsync();
        var error = await Assert.ThrowsAsync<RaftNodeException>(
            () => cluster.Nodes[follower].ProposeAsync("ledger", LedgerService.Set("lost", "minority"), Short));
        Assert.Contains(error.Code, new[] { RaftErrorCode.Timeout, RaftErrorCode.NoLeader, RaftErrorCode.NotLeader });
        for (var i = 0; i < 5; i++) await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Set($"k{i}", "majority"));

        var after = await cluster.Nodes[follower].GetStatusAsync();
        Assert.Equal(before.CommitIndex, after.CommitIndex);
        Assert.NotEqual(StateRole.Leader, after.Role);
        Assert.True((await cluster.Nodes[leader].GetStatusAsync()).CommitIndex >= before.CommitIndex + 5);
        Assert.Null(cluster.Services[follower].Get("k0"));
        Assert.All(cluster.Services.Values, s => Assert.Null(s.Get("lost")));

        // Healed, it catches up with the majority; the request that failed was not replayed behind its back.
        await cluster.Network.HealAsync();
        await cluster.WaitForConvergenceAsync();
        Assert.All(cluster.Services.Values, s =>
        {
            Assert.Equal("majority", s.Get("k4"));
            Assert.Null(s.Get("lost"));
        });
    }

    [Fact]
    public async Task After_a_partition_heals_every_node_holds_the_same_data_at_the_same_applied_index()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var cut = cluster.AnyFollower(leader);
        // One direction only: the follower hears the leader but cannot answer, then is cut off entirely.
        await cluster.Network.CutOneWayAsync(cut, leader);
        for (var i = 0; i < 10; i++) await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Add("sum", 1, $"one-way-{i}"));
        await cluster.Network.IsolateAsync(cut);
        var survivors = cluster.Nodes.Keys.Where(id => id != cut).ToArray();
        for (var i = 0; i < 10; i++)
        {
            var to = await cluster.WaitForLeaderAsync(survivors);
            await cluster.Nodes[to].ProposeAsync("ledger", LedgerService.Add("sum", 1, $"isolated-{i}"));
        }
        Assert.NotEqual("20", cluster.Services[cut].Get("sum"));

        await cluster.Network.HealAsync();
        await cluster.WaitForConvergenceAsync();

        var statuses = await Task.WhenAll(cluster.Nodes.Values.Select(n => n.GetStatusAsync()));
        Assert.Single(statuses.Select(s => (s.CommitIndex, s.AppliedIndex)).Distinct());
        Assert.All(cluster.Services.Values, s =>
        {
            Assert.Equal("20", s.Get("sum"));
            Assert.Null(s.OrderViolation);
        });
    }

    [Fact]
    public async Task A_cut_link_reports_the_peer_unreachable_once_and_reachable_again_after_heal()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3, systemConfig: FastFailureDetection);
        var leader = await cluster.WaitForLeaderAsync();
        var peer = cluster.AnyFollower(leader);
        var events = new ConcurrentQueue<PeerReachabilityEvent>();
        cluster.Nodes[leader].EventRaised += (_, e) =>
        {
            if (e is PeerReachabilityEvent reach && reach.Peer == peer) events.Enqueue(reach);
        };

        await cluster.Network.CutAsync(leader, peer);
        Assert.True(cluster.Network.IsCut(leader, peer) && cluster.Network.IsCut(peer, leader));
        await ScenarioCluster.WaitUntilAsync(() => !events.IsEmpty, () => "an unreachable report");
        // Frames keep going to the cut peer (heartbeats, appends of these writes) and the link keeps failing to
        // reconnect: none of that may be reported again.
        for (var i = 0; i < 10; i++) await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Set($"k{i}", "cut"));
        Assert.Equal([false], events.Select(e => e.Reachable));

        await cluster.Network.HealAsync();
        await ScenarioCluster.WaitUntilAsync(() => events.LastOrDefault()?.Reachable == true, () => "a reachable report", TimeSpan.FromSeconds(20));
        // A state is reported when it changes, never twice in a row.
        var reports = events.Select(e => e.Reachable).ToArray();
        Assert.False(reports[0]);
        Assert.All(reports.Zip(reports.Skip(1)), pair => Assert.NotEqual(pair.Item1, pair.Item2));
        await cluster.WaitForConvergenceAsync();
        Assert.Equal("cut", cluster.Services[peer].Get("k9"));
    }
}
