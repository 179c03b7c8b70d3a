using System.Collections.Concurrent;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// A member whose data folder was wiped comes back under its old id as a voter that forgot its votes and its log.
/// Its peers know its data folder by another identity: it stops with <see cref="NodeDataLostException"/> instead
/// of taking part, and the others keep serving. A founder that starts late never took part and is not refused.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class WipedNodeTests
{
    private static readonly ulong[] Founders = [1, 2, 3];

    [Fact]
    public async Task A_founder_whose_data_folder_was_wiped_stops_with_data_lost_and_the_cluster_keeps_serving()
    {
        var (victim, stopped) = await RestartADamagedFollowerAsync(folder => Directory.Delete(folder, recursive: true));

        var lost = Assert.IsType<NodeDataLostException>(stopped.InnerException);
        Assert.Equal(victim, lost.NodeId);
        Assert.Contains($"deleteNode {victim}", stopped.Message, StringComparison.Ordinal);
        Assert.Contains("--join", stopped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_founder_whose_journal_was_deleted_under_its_data_identity_stops_with_data_lost_and_the_cluster_keeps_serving()
    {
        // The journal and the snapshot store go; the data identity and the rest of the folder stay. Without the
        // marker the node would bootstrap again as a blank founder that peers take for the one they knew.
        var (victim, stopped) = await RestartADamagedFollowerAsync(folder =>
        {
            Assert.True(JournalMarker.Exists(folder), "the first start did not mark the journal as written");
            var deleted = Directory.GetFiles(folder).Where(f => Path.GetFileName(f).StartsWith("journal.db", StringComparison.Ordinal)
                || Path.GetFileName(f).StartsWith("snapshots.db", StringComparison.Ordinal)).ToArray();
            Assert.Contains(deleted, f => Path.GetFileName(f) == "journal.db");
            foreach (var file in deleted) File.Delete(file);
            Assert.True(File.Exists(Path.Combine(folder, DataIdentity.FileName)));
        });

        var lost = Assert.IsType<NodeDataLostException>(stopped.InnerException);
        Assert.Equal(victim, lost.NodeId);
        Assert.Equal(0UL, lost.Peer);
        Assert.Contains(JournalMarker.FileName, stopped.Message, StringComparison.Ordinal);
        Assert.Contains($"deleteNode {victim}", stopped.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Three founders take 50 writes; a follower stops, <paramref name="damage"/> is done to its data folder, and it
    /// starts again. It must stop (returned: its id and why), while the others take 50 more writes and all hold the 100.
    /// </summary>
    private static async Task<(ulong Victim, RaftNodeException Stopped)> RestartADamagedFollowerAsync(Action<string> damage)
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(Founders);
        var leader = await cluster.WaitForLeaderAsync();
        var victim = Founders.First(id => id != leader);
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 50, acknowledged);
        await cluster.WaitForAllToHoldAsync(acknowledged);

        await cluster.StopNodeAsync(victim);
        damage(cluster.DataDirectory(victim));
        RaftNode? damaged = null;
        RaftNodeException stopped;
        try
        {
            damaged = await cluster.StartNodeAsync(victim, Founders);
            stopped = await Assert.ThrowsAsync<RaftNodeException>(() => damaged.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        catch (RaftNodeException ex) when (damaged is null)
        {
            // Refused before the start completed: the start itself fails with the cause.
            stopped = ex;
        }
        cluster.Nodes.Remove(victim);

        await cluster.WriteAsync("after-", 50, acknowledged, via: leader);
        Assert.Equal(100, acknowledged.Count);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        return (victim, stopped);
    }

    [Fact]
    public async Task A_data_folder_from_before_the_journal_marker_gets_one_at_its_next_start_and_keeps_its_data()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1);
        await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("k-", 10, acknowledged);
        await cluster.StopNodeAsync(1);
        File.Delete(JournalMarker.PathIn(cluster.DataDirectory(1)));

        var restarted = await cluster.RestartNodeAsync(1);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        Assert.True(JournalMarker.Exists(cluster.DataDirectory(1)), "the start did not mark a journal that holds data");
        Assert.False(restarted.Completion.IsCompleted, "the node stopped");
    }

    [Fact]
    public async Task A_founder_that_starts_after_the_others_formed_the_cluster_joins_them()
    {
        await using var cluster = new NodeCluster();
        // Every founder's port is known from the start, as in a real configuration.
        foreach (var id in Founders) cluster.OptionsFor(id, [id]);
        await Task.WhenAll(cluster.StartNodeAsync(1, Founders), cluster.StartNodeAsync(2, Founders));
        await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("early-", 50, acknowledged);

        var late = await cluster.StartNodeAsync(3, Founders);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        await cluster.WriteAsync("late-", 20, acknowledged);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        Assert.False(late.Completion.IsCompleted, "the late founder stopped");
        Assert.Equal(70, cluster.Services[3].Count);
    }

    [Fact]
    public async Task A_restarted_founder_keeps_its_data_identity_and_is_not_refused()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(Founders);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = Founders.First(id => id != leader);
        var identity = await File.ReadAllTextAsync(Path.Combine(cluster.DataDirectory(follower), DataIdentity.FileName));
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 20, acknowledged);

        await cluster.StopNodeAsync(follower);
        var restarted = await cluster.RestartNodeAsync(follower);
        await cluster.WriteAsync("after-", 20, acknowledged, via: leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);

        Assert.Equal(identity, await File.ReadAllTextAsync(Path.Combine(cluster.DataDirectory(follower), DataIdentity.FileName)));
        Assert.False(restarted.Completion.IsCompleted, "the restarted founder stopped");
    }
}
