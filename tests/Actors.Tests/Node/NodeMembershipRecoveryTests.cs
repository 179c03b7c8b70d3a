using System.Collections.Concurrent;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// A restart rebuilds the membership from what the journal holds now: the configuration of its latest snapshot and
/// every membership change logged after it, not a configuration remembered from an earlier start.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeMembershipRecoveryTests
{
    [Fact]
    public async Task A_node_restarted_after_membership_changes_newer_than_its_snapshot_counts_votes_with_the_new_membership()
    {
        await using var cluster = new NodeCluster
        {
            Customize = (_, o) => NodeCluster.With(o, snapshotEvery: 50, keepEntries: 10),
        };
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var victim = cluster.Nodes.Keys.First(id => id != leader);
        var removed = cluster.Nodes.Keys.First(id => id != leader && id != victim);
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 120, acknowledged);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        // The victim's own snapshot names the three founders; what follows is only in its journal's entries.
        await NodeCluster.WaitUntilAsync(() => cluster.Events[victim].Any(e => e is SnapshotStored { Index: >= 100 }), $"node {victim} stored a snapshot");

        leader = await cluster.WaitForLeaderAsync();
        await cluster.StartNodeAsync(4, [1, 2, 3], join: true);
        await cluster.Nodes[leader].AddMemberAsync(4, cluster.Address(4), TimeSpan.FromSeconds(20));
        await cluster.Nodes[await cluster.WaitForLeaderAsync()].RemoveAsync(removed);
        await NodeCluster.WaitUntilAsync(() => cluster.Events[victim].Any(e => e is MemberRemoved m && m.Member == removed),
            $"node {victim} applied the removal of node {removed}");
        await cluster.StopNodeAsync(removed);
        leader = await cluster.WaitForLeaderAsync();
        ulong[] expected = [.. new[] { leader, victim, 4UL }.Order()];

        await cluster.CrashNodeAsync(victim);
        var restarted = await cluster.RestartNodeAsync(victim);
        await NodeCluster.WaitUntilAsync(() => Voters(restarted).SequenceEqual(expected),
            $"node {victim} counts {string.Join(",", expected)} as voters after its restart (it counts {string.Join(",", Voters(restarted))})");

        // The leader goes down: of the voters {leader, victim, 4} two are left, a majority; with the founders' membership
        // the victim would wait for node {removed}, which is gone.
        var acknowledgedAfter = new ConcurrentDictionary<string, string>();
        await cluster.CrashNodeAsync(leader);
        await cluster.WriteAsync("after-", 20, acknowledgedAfter, timeout: TimeSpan.FromSeconds(30));
        var successor = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(successor, new[] { victim, 4UL });
        await cluster.WaitForAllToHoldAsync(acknowledgedAfter);
        Assert.Equal(expected, Voters(cluster.Nodes[successor]));
    }

    private static ulong[] Voters(RaftNode node) =>
        [.. node.GetStatusAsync().GetAwaiter().GetResult().Members.Where(m => m.IsVoter).Select(m => m.NodeId).Order()];
}
