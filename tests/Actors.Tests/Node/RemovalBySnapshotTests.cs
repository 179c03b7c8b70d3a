using System.Collections.Concurrent;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// A node that was down while a member was removed, and came back through a snapshot (the removal entry compacted
/// away), never applies that removal, yet it must forget the removed member's data identity as if it had: the way back
/// for a member that lost its data is to remove it and add it again with an empty folder, and that new identity must
/// not be refused as a member that lost its data.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class RemovalBySnapshotTests
{
    private static readonly ulong[] Founders = [1, 2, 3, 4];

    [Fact]
    public async Task A_member_removed_while_a_node_was_down_can_come_back_with_an_empty_folder_after_that_node_caught_up_by_snapshot()
    {
        await using var cluster = new NodeCluster
        {
            Customize = (_, o) => NodeCluster.With(o, snapshotEvery: 20, keepEntries: 2),
        };
        await cluster.StartAsync(Founders);
        var observer = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        // As leader, the observer hears its followers' append responses and learns their data identities.
        await cluster.WriteAsync("first-", 5, acknowledged, parallelism: 1, via: observer);
        await NodeCluster.WaitUntilAsync(() => Founders.Where(id => id != observer).All(KnownIdentities(cluster, observer).Contains),
            () => $"node {observer} learned its followers' identities (it knows {string.Join(", ", KnownIdentities(cluster, observer))})");

        // The observer is down while a member is removed and the removal is compacted away.
        await cluster.StopNodeAsync(observer);
        var leader = await cluster.WaitForLeaderAsync();
        var removed = Founders.First(id => id != observer && id != leader);
        await cluster.Nodes[leader].RemoveAsync(removed);
        await cluster.CrashNodeAsync(removed);
        Directory.Delete(cluster.DataDirectory(removed), recursive: true);
        await cluster.WriteAsync("while-down-", 60, acknowledged, via: leader);

        await cluster.RestartNodeAsync(observer);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        Assert.True(cluster.Logs[observer].Contains("installed a snapshot"), $"node {observer} caught up without a snapshot; the test needs one");
        Assert.DoesNotContain(cluster.Events[observer], e => e is MemberRemoved r && r.Member == removed);
        Assert.False(KnownIdentities(cluster, observer).Contains(removed), $"node {observer} still holds node {removed}'s old identity");

        // Back under the observer's leadership, the member comes back with an empty folder: a new identity.
        await cluster.Nodes[leader].TransferLeadershipAsync(observer);
        await NodeCluster.WaitUntilAsync(() => cluster.Nodes[observer].IsLeader, $"node {observer} to lead");
        var returned = await cluster.StartNodeAsync(removed, Founders, join: true);
        await cluster.Nodes[observer].AddMemberAsync(removed, cluster.Address(removed));
        await cluster.WriteAsync("after-", 10, acknowledged, via: observer);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        Assert.False(returned.Completion.IsCompleted, $"node {removed} stopped: {returned.Completion.Exception?.InnerException?.Message}");
    }

    /// <summary>The node ids in a node's saved book of peer identities.</summary>
    private static ulong[] KnownIdentities(NodeCluster cluster, ulong id)
    {
        var path = Path.Combine(cluster.DataDirectory(id), "peer-identities");
        if (!File.Exists(path)) return [];
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return [];
        }
        return [.. lines.Where(l => l.Length > 0).Select(l => ulong.Parse(l.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))];
    }
}
