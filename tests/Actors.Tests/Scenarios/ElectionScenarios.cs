using System.Diagnostics;
using RaftActors.Actors;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>Leader election with real nodes (Raft paper §5.2), each in its own ActorSystem over Akka.Remote.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class ElectionScenarios
{
    [Fact]
    public async Task Three_nodes_elect_one_leader_that_every_node_knows_in_the_same_term()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);

        var leader = await cluster.WaitForLeaderAsync();

        var statuses = await Task.WhenAll(cluster.Nodes.Values.Select(n => n.GetStatusAsync()));
        Assert.Single(statuses, s => s.Role == Core.StateRole.Leader);
        Assert.All(statuses, s => Assert.Equal(leader, s.Leader));
        Assert.Single(statuses.Select(s => s.Term).Distinct());
        // The entry a new leader appends in its term reaches every node and commits there: votes, appends and
        // their answers crossed Akka.Remote.
        var first = statuses.Single(s => s.NodeId == leader).LastIndex;
        await ScenarioCluster.WaitUntilAsync(async () => (await Task.WhenAll(cluster.Nodes.Values.Select(n => n.GetStatusAsync()))).All(s => s.CommitIndex >= first),
            () => $"every node to commit the leader's entry {first}");
    }

    [Fact]
    public async Task A_crashed_leader_is_replaced_within_a_few_election_timeouts()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var old = await cluster.WaitForLeaderAsync();
        var term = (await cluster.Nodes[old].GetStatusAsync()).Term;

        await cluster.CrashAsync(old);
        var clock = Stopwatch.StartNew();
        var leader = await cluster.WaitForLeaderAsync(timeout: ScenarioCluster.ElectionTimeout * 50);
        clock.Stop();

        Assert.NotEqual(old, leader);
        // A follower notices after one randomized timeout (1 to 2 election timeouts), then runs a pre-vote and
        // a vote round; a split vote costs another randomized timeout. Two such rounds and a loaded test
        // machine fit in ten; a broken election (no timer, lost votes, no term change) does not.
        Assert.True(clock.Elapsed < ScenarioCluster.ElectionTimeout * 10, $"a new leader took {clock.Elapsed.TotalMilliseconds} ms");
        Assert.True((await cluster.Nodes[leader].GetStatusAsync()).Term > term);
        await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Set("after", "crash"));
    }

    [Fact]
    public async Task A_leader_stopped_gracefully_hands_over_and_the_cluster_keeps_accepting_writes()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var old = await cluster.WaitForLeaderAsync();
        await cluster.Nodes[old].ProposeAsync("ledger", LedgerService.Set("before", "stop"));
        var others = cluster.Nodes.Keys.Where(id => id != old).ToArray();
        var remaining = others.Select(id => cluster.Nodes[id]).ToArray();

        var clock = Stopwatch.StartNew();
        var stopping = cluster.StopAsync(old);
        // Measured while the old node shuts its system down: the hand-over comes first.
        await ScenarioCluster.WaitUntilAsync(() => remaining.Count(n => n.IsLeader) == 1, () => "a new leader among the others",
            ScenarioCluster.ElectionTimeout * 50);
        clock.Stop();
        await stopping;
        var leader = await cluster.WaitForLeaderAsync();

        Assert.NotEqual(old, leader);
        // A graceful stop transfers leadership first: no election timeout has to pass at all.
        Assert.True(clock.Elapsed < ScenarioCluster.ElectionTimeout * 5, $"a new leader took {clock.Elapsed.TotalMilliseconds} ms");
        await cluster.Nodes[cluster.AnyFollower(leader)].ProposeAsync("ledger", LedgerService.Set("after", "stop"));
        await cluster.WaitForConvergenceAsync();
        Assert.All(cluster.Services.Where(s => cluster.Nodes.ContainsKey(s.Key)), s => Assert.Equal("stop", s.Value.Get("before")));
    }
}
