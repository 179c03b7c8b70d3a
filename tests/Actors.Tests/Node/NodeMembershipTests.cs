using System.Collections.Concurrent;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Node;

/// <summary>Membership changes at runtime over real TCP with SQLite journals.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeMembershipTests
{
    [Fact]
    public async Task A_fourth_node_added_at_runtime_gets_all_data_and_votes_and_a_removed_node_leaves_the_cluster_committing()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 300, acknowledged);

        await AddFourthAsync(cluster, leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        await cluster.WriteAsync("with-four-", 100, acknowledged, via: 4);
        await cluster.WaitForAllToHoldAsync(acknowledged);

        // Remove a founder that does not lead; the three left commit on their own.
        leader = await cluster.WaitForLeaderAsync();
        var removed = cluster.Nodes.Keys.First(id => id != leader && id != 4);
        var config = await cluster.Nodes[leader].RemoveAsync(removed);
        Assert.DoesNotContain(removed, config.Voters);
        Assert.Equal(3, config.Voters.Count);
        await NodeCluster.WaitUntilAsync(() => cluster.Events[4].Any(e => e is MemberRemoved m && m.Member == removed),
            "the newcomer learns of the removal");
        await cluster.StopNodeAsync(removed);
        await cluster.WriteAsync("after-removal-", 100, acknowledged);
        await cluster.WaitForAllToHoldAsync(acknowledged);

        // With one of the three remaining down, two still form a majority: the removed node no longer counts.
        var down = cluster.Nodes.Keys.First(id => id != cluster.Nodes.Values.First(n => n.IsLeader).NodeId);
        await cluster.CrashNodeAsync(down);
        await cluster.WriteAsync("two-of-three-", 50, acknowledged);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        var status = await cluster.Nodes[await cluster.WaitForLeaderAsync()].GetStatusAsync();
        Assert.Equal([.. cluster.Nodes.Keys.Append(down).Order()], status.Members.Where(m => m.IsVoter).Select(m => m.NodeId).Order().ToArray());
    }

    [Fact]
    public async Task A_node_added_after_the_log_was_compacted_catches_up_by_snapshot_and_votes()
    {
        await using var cluster = new NodeCluster
        {
            Customize = (_, o) => NodeCluster.With(o, snapshotEvery: 500, keepEntries: 100),
        };
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 1_200, acknowledged, parallelism: 64, via: leader);
        // The leader's stored snapshot names the three founders only: the newcomer is not in its configuration.
        await NodeCluster.WaitUntilAsync(() => cluster.Events[leader].Any(e => e is SnapshotStored { Index: >= 1_000 }), "the leader stored a snapshot");

        await AddFourthAsync(cluster, leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        Assert.True(cluster.Services[4].Restores >= 1, "the newcomer caught up without a snapshot");
        await cluster.WriteAsync("after-", 100, acknowledged, via: 4);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        var reference = cluster.Services[leader].Dump();
        Assert.Equal(reference, cluster.Services[4].Dump());
    }

    /// <summary>Starts node 4 to join, adds it through the leader, and waits until every node counts it as a voter.</summary>
    private static async Task AddFourthAsync(NodeCluster cluster, ulong leader)
    {
        var newcomer = await cluster.StartNodeAsync(4, [1, 2, 3], join: true);
        Assert.Equal(0UL, newcomer.Leader); // it joins; it founds nothing
        var config = await cluster.Nodes[leader].AddMemberAsync(4, cluster.Address(4), TimeSpan.FromSeconds(20));
        Assert.Contains(4UL, config.Voters);
        Assert.Empty(config.Learners);
        foreach (var node in cluster.Nodes.Values)
        {
            await NodeCluster.WaitUntilAsync(() => node.GetStatusAsync().Result.Members.Any(m => m.NodeId == 4 && m.IsVoter),
                $"node {node.NodeId} counts node 4 as a voter");
        }
        // Whoever leads by then (on a loaded machine an election may have moved leadership on): every node, the newcomer too, follows it.
        await cluster.WaitForLeaderAsync();
    }
}
