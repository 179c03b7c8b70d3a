using System.Collections.Concurrent;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Node;

/// <summary>Compaction, and catching up by snapshot, over real TCP with SQLite journals.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeSnapshotTests
{
    private const int InstalledSnapshotEventId = 1004; // RaftActorLog.SnapshotInstalled

    [Fact]
    public async Task A_node_down_while_20000_entries_are_written_and_compacted_catches_up_by_snapshot_with_identical_data()
    {
        await using var cluster = new NodeCluster
        {
            Customize = (_, o) => NodeCluster.With(o, snapshotEvery: 1000, keepEntries: 200),
        };
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var victim = cluster.Nodes.Keys.First(id => id != leader);
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("early-", 50, acknowledged, via: leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        await cluster.StopNodeAsync(victim);

        await cluster.WriteAsync("bulk-", 20_000, acknowledged, parallelism: 256, timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(20_050, acknowledged.Count);
        // On a loaded machine leadership may move between the two running nodes during the bulk (writes are retried
        // through whichever node leads): what follows is about the leader the victim will catch up from.
        leader = await cluster.WaitForLeaderAsync();
        // The leader compacted its log far past what the victim holds: only a snapshot can bring it back.
        var leaderStatus = await cluster.Nodes[leader].GetStatusAsync();
        Assert.True(leaderStatus.CommitIndex > 20_000, $"commit index {leaderStatus.CommitIndex}");
        await NodeCluster.WaitUntilAsync(() => cluster.Events[leader].Any(e => e is SnapshotStored { Index: >= 19_000 }),
            "the leader stored a snapshot near the end and compacted behind it");

        var restarted = await cluster.RestartNodeAsync(victim);
        Assert.Equal(0, cluster.Services[victim].Restores); // its own journal held no snapshot: it stopped before the first
        await cluster.WaitForAllToHoldAsync(acknowledged, TimeSpan.FromSeconds(30));

        var service = cluster.Services[victim];
        Assert.True(cluster.Logs[victim].Contains(InstalledSnapshotEventId), "the restarted node installed no snapshot from the leader");
        Assert.Equal(1, service.Restores);
        // It applied only the entries after the snapshot (and the 50 before it stopped, replayed from its journal).
        Assert.True(service.Applied < 2_000, $"the restarted node applied {service.Applied} entries one by one");
        var reference = cluster.Services[leader].Dump();
        Assert.Equal(20_050, reference.Count);
        foreach (var (id, other) in cluster.Services) Assert.Equal(reference, other.Dump());

        // It is a full member again: its status tracks the leader, and it can serve a linearizable read.
        leader = await cluster.WaitForLeaderAsync();
        Assert.Equal(leader, restarted.Leader);
        var value = await restarted.QueryAsync("kv", "bulk-19999"u8.ToArray());
        Assert.Equal("v19999", System.Text.Encoding.UTF8.GetString(value));
    }
}
