using RaftActors.Actors;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Membership changes at runtime with real nodes over Akka.Remote (Raft thesis §4: one server at a time; a
/// newcomer catches up as a learner first): the cluster keeps committing, and the quorum it commits with is the
/// one of the new configuration.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class MembershipScenarios
{
    [Fact]
    public async Task A_member_added_with_join_and_a_founder_removed_leave_a_cluster_that_commits_with_the_new_quorum()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        for (var i = 0; i < 10; i++) await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Set($"before{i}", "three"));

        var newcomer = await cluster.StartNodeAsync(4, join: true);
        Assert.Equal(0UL, newcomer.Leader); // it joins; it founds nothing
        var config = await cluster.Nodes[cluster.AnyFollower(leader)].AddMemberAsync(4, cluster.Address(4), TimeSpan.FromSeconds(20));
        Assert.Contains(4UL, config.Voters);
        Assert.Empty(config.Learners);
        await WaitForMembersAsync(cluster, m => m.Any(s => s.NodeId == 4 && s.IsVoter), "node 4 as a voter");
        await newcomer.ProposeAsync("ledger", LedgerService.Set("with", "four"));
        await cluster.WaitForConvergenceAsync();
        Assert.Equal("three", cluster.Services[4].Get("before9"));

        // Remove a founder that does not lead; from then on three voters decide.
        leader = await cluster.WaitForLeaderAsync();
        var removed = cluster.Nodes.Keys.Order().First(id => id != leader && id != 4);
        config = await cluster.Nodes[leader].RemoveAsync(removed);
        Assert.DoesNotContain(removed, config.Voters);
        Assert.Equal(3, config.Voters.Count);
        await cluster.StopAsync(removed);
        await WaitForMembersAsync(cluster, m => m.All(s => s.NodeId != removed), $"node {removed} gone");

        // One of the three cut off: the leader and the newcomer are two of three, a quorum. Had the removed
        // node still counted, they would be two of four, and nothing would commit.
        var cut = cluster.Nodes.Keys.Single(id => id != leader && id != 4);
        await cluster.Network.IsolateAsync(cut);
        for (var i = 0; i < 5; i++) await newcomer.ProposeAsync("ledger", LedgerService.Set($"two-of-three{i}", "committed"));
        Assert.Null(cluster.Services[cut].Get("two-of-three0"));

        await cluster.Network.HealAsync();
        await cluster.WaitForConvergenceAsync();
        Assert.All(cluster.Nodes.Keys, id => Assert.Equal("committed", cluster.Services[id].Get("two-of-three4")));
        var status = await cluster.Nodes[leader].GetStatusAsync();
        Assert.Equal([.. cluster.Nodes.Keys.Order()], status.Members.Where(m => m.IsVoter).Select(m => m.NodeId).Order().ToArray());
    }

    /// <summary>
    /// The sequence a fault-injection run once saw stall an election for a minute: a founder replaced by a node that
    /// joined, the leader crashed and restarted on its journal (it follows the leader elected meanwhile and never talks
    /// to the newcomer), then that leader cut off. The other two must elect one of themselves, and the cluster converge.
    /// </summary>
    [Fact]
    public async Task After_a_replaced_member_and_a_restarted_leader_the_two_nodes_left_when_the_next_leader_is_cut_off_elect_one_of_themselves()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var first = await cluster.WaitForLeaderAsync();
        await cluster.Nodes[first].ProposeAsync("ledger", LedgerService.Set("before", "three"));

        var newcomer = await cluster.StartNodeAsync(4, join: true);
        await cluster.Nodes[first].AddMemberAsync(4, cluster.Address(4), TimeSpan.FromSeconds(20));
        await WaitForMembersAsync(cluster, m => m.Any(s => s.NodeId == 4 && s.IsVoter), "node 4 as a voter");
        first = await cluster.WaitForLeaderAsync();
        var replaced = cluster.Nodes.Keys.Order().First(id => id != first && id != 4);
        await cluster.Nodes[first].RemoveAsync(replaced);
        await cluster.StopAsync(replaced);
        await WaitForMembersAsync(cluster, m => m.All(s => s.NodeId != replaced), $"node {replaced} gone");
        await newcomer.ProposeAsync("ledger", LedgerService.Set("replaced", "yes"));

        first = await cluster.WaitForLeaderAsync();
        await cluster.CrashAsync(first);
        var second = await cluster.WaitForLeaderAsync();
        Assert.NotEqual(first, second);
        await cluster.StartNodeAsync(first);
        Assert.Equal(second, await cluster.WaitForLeaderAsync());
        await cluster.Nodes[first].ProposeAsync("ledger", LedgerService.Set("restarted", "yes"));

        await cluster.Network.IsolateAsync(second);
        var rest = cluster.Nodes.Keys.Where(id => id != second).ToArray();
        var third = await cluster.WaitForLeaderAsync(rest);
        Assert.NotEqual(second, third);
        await cluster.Nodes[third].ProposeAsync("ledger", LedgerService.Set("third", "elected"));

        await cluster.Network.HealAsync();
        await cluster.WaitForConvergenceAsync();
        Assert.All(cluster.Nodes.Keys, id => Assert.Equal("elected", cluster.Services[id].Get("third")));
    }

    /// <summary>Waits until every running node's view of the members satisfies <paramref name="holds"/>.</summary>
    private static async Task WaitForMembersAsync(ScenarioCluster cluster, Func<IReadOnlyList<MemberStatus>, bool> holds, string what) =>
        await ScenarioCluster.WaitUntilAsync(
            async () => (await Task.WhenAll(cluster.Nodes.Values.Select(n => n.GetStatusAsync()))).All(s => holds(s.Members)),
            () => $"every node to count {what}");
}
