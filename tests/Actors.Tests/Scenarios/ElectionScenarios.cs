using System.Diagnostics;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>Leader election with real nodes (Raft paper §5.2), over the in-process network.</summary>
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
        Assert.True(cluster.Network.Delivered > 0);
    }

    [Fact]
    public async Task A_crashed_leader_is_replaced_within_a_few_election_timeouts()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var old = await cluster.WaitForLeaderAsync();
        var term = (await cluster.Nodes[old].GetStatusAsync()).Term;

        var clock = Stopwatch.StartNew();
        await cluster.CrashAsync(old);
        var leader = await cluster.WaitForLeaderAsync(timeout: ScenarioCluster.ElectionTimeout * 20);
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

        var clock = Stopwatch.StartNew();
        await cluster.StopAsync(old);
        var leader = await cluster.WaitForLeaderAsync(timeout: ScenarioCluster.ElectionTimeout * 20);

        Assert.NotEqual(old, leader);
        // A graceful stop transfers leadership first: no election timeout has to pass at all.
        Assert.True(clock.Elapsed < ScenarioCluster.ElectionTimeout * 5, $"a new leader took {clock.Elapsed.TotalMilliseconds} ms");
        await cluster.Nodes[cluster.AnyFollower(leader)].ProposeAsync("ledger", LedgerService.Set("after", "stop"));
        await cluster.WaitForConvergenceAsync();
        Assert.All(cluster.Services.Where(s => cluster.Nodes.ContainsKey(s.Key)), s => Assert.Equal("stop", s.Value.Get("before")));
    }
}
