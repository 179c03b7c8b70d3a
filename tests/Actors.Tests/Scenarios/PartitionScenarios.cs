using RaftActors.Actors;
using RaftActors.Core;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Partitions with real nodes: only a majority commits (Raft paper §5.3, §5.4: commitment needs a quorum),
/// an old leader cut off cannot acknowledge a write, and a healed cluster converges.
/// </summary>
public sealed class PartitionScenarios
{
    private static readonly RequestOptions Short = new() { Timeout = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task A_partitioned_old_leader_cannot_acknowledge_a_write_while_the_majority_can()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var old = await cluster.WaitForLeaderAsync();
        await cluster.Nodes[old].ProposeAsync("ledger", LedgerService.Set("base", "1"));
        var majority = cluster.Nodes.Keys.Where(id => id != old).ToArray();

        cluster.Network.Partition([old], majority);
        var commitBefore = (await cluster.Nodes[old].GetStatusAsync()).CommitIndex;
        // Proposed at once, while the old leader still believes it leads: it appends the entry but must not acknowledge it.
        var minorityWrite = cluster.Nodes[old].ProposeAsync("ledger", LedgerService.Set("lost", "minority"), Short);

        var leader = await cluster.WaitForLeaderAsync(majority);
        Assert.NotEqual(old, leader);
        await cluster.Nodes[majority.First(id => id != leader)].ProposeAsync("ledger", LedgerService.Set("kept", "majority"));

        var error = await Assert.ThrowsAsync<RaftNodeException>(() => minorityWrite);
        Assert.Contains(error.Code, new[] { RaftErrorCode.Timeout, RaftErrorCode.LeadershipLost, RaftErrorCode.NoLeader });
        var isolated = await cluster.Nodes[old].GetStatusAsync();
        Assert.Equal(commitBefore, isolated.CommitIndex);
        // CheckQuorum: a leader that hears from no majority for an election timeout steps down.
        await ScenarioCluster.WaitUntilAsync(() => !cluster.Nodes[old].IsLeader, () => $"node {old} to step down");
        Assert.Null(cluster.Services[old].Get("kept"));

        cluster.Network.Heal();
        await cluster.WaitForConvergenceAsync();
        Assert.All(cluster.Services.Values, s =>
        {
            Assert.Equal("majority", s.Get("kept"));
            // The old leader's entry was overwritten by the new leader's log: never applied anywhere.
            Assert.Null(s.Get("lost"));
        });
    }

    [Fact]
    public async Task An_isolated_follower_cannot_commit_and_its_commit_index_does_not_move()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.AnyFollower(leader);
        await cluster.Nodes[follower].ProposeAsync("ledger", LedgerService.Set("base", "1"));
        await cluster.WaitForConvergenceAsync();

        cluster.Network.Isolate(follower);
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
        Assert.All(cluster.Nodes.Keys.Where(id => id != follower), id => Assert.Null(cluster.Services[id].Get("lost")));
    }

    [Fact]
    public async Task After_a_partition_heals_every_node_holds_the_same_data_at_the_same_applied_index()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var cut = cluster.AnyFollower(leader);
        // One direction only: the follower hears the leader but cannot answer, then is cut off entirely.
        cluster.Network.CutOneWay(cut, leader);
        for (var i = 0; i < 10; i++) await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Add("sum", 1, $"one-way-{i}"));
        cluster.Network.Isolate(cut);
        var survivors = cluster.Nodes.Keys.Where(id => id != cut).ToArray();
        for (var i = 0; i < 10; i++)
        {
            var to = await cluster.WaitForLeaderAsync(survivors);
            await cluster.Nodes[to].ProposeAsync("ledger", LedgerService.Add("sum", 1, $"isolated-{i}"));
        }

        cluster.Network.Heal();
        await cluster.WaitForConvergenceAsync();

        var statuses = await Task.WhenAll(cluster.Nodes.Values.Select(n => n.GetStatusAsync()));
        Assert.Single(statuses.Select(s => (s.CommitIndex, s.AppliedIndex)).Distinct());
        Assert.All(cluster.Services.Values, s => Assert.Equal("20", s.Get("sum")));
    }
}
