namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// Addresses are part of the replicated membership: a node caught up by a snapshot never sees the membership
/// entries that carried its peers' addresses, so the snapshot must carry them. Joiners here start with no
/// configured peers (as the host's join does), so only the replicated address book can tell them where anyone is.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class SnapshotAddressBookTests
{
    private const int SnapshotInstalledEventId = 1004;

    [Fact]
    public async Task A_member_caught_up_by_a_snapshot_reaches_every_peer_after_a_restart()
    {
        await using var cluster = Compacting();
        await cluster.StartAsync(1, 2, 3);
        await WriteAsync(cluster, "a", 120);
        await JoinAsync(cluster, 4);

        await cluster.StopNodeAsync(4);
        await cluster.RestartNodeAsync(4);

        await WaitForAddressesAsync(cluster, of: 4, members: [1, 2, 3, 4]);
        // Leading, it must reach every voter itself: none of them has to contact it first.
        await MoveLeadershipAsync(cluster, to: 4);
        await cluster.Nodes[4].ProposeAsync("kv", NodeCluster.Set("after-restart", "yes"));
        await NodeCluster.WaitUntilAsync(() => cluster.Services.Values.All(s => s.Get("after-restart") == "yes"),
            "every node holds the write made through the restarted member", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_member_added_while_a_joined_member_was_away_is_known_to_it_once_a_snapshot_catches_it_up()
    {
        await using var cluster = Compacting();
        await cluster.StartAsync(1, 2, 3);
        await WriteAsync(cluster, "a", 120);
        await JoinAsync(cluster, 4);
        await cluster.StopNodeAsync(4);

        // Node 5 joins while node 4 is away, and the entry that carried its address is compacted away.
        await JoinAsync(cluster, 5);
        await WriteAsync(cluster, "b", 120);
        await cluster.RestartNodeAsync(4);
        await NodeCluster.WaitUntilAsync(() => cluster.Services[4].Get("b119") == "v119", "node 4 caught up again", TimeSpan.FromSeconds(30));
        Assert.True(cluster.Logs[4].Contains(SnapshotInstalledEventId), "node 4 was caught up by a snapshot, not by the membership entries");

        await WaitForAddressesAsync(cluster, of: 4, members: [1, 2, 3, 4, 5]);
        // Node 4 leads and node 5 hears from it: it knows node 5's address from the snapshot alone.
        await MoveLeadershipAsync(cluster, to: 4);
        await cluster.Nodes[4].ProposeAsync("kv", NodeCluster.Set("via-4", "yes"));
        await NodeCluster.WaitUntilAsync(() => cluster.Services[5].Get("via-4") == "yes", "node 5 holds the write node 4 replicated",
            TimeSpan.FromSeconds(30));
    }

    /// <summary>Snapshots every 50 entries keeping 5: a member added later is caught up by a snapshot, never by the early log.</summary>
    private static NodeCluster Compacting() => new()
    {
        Customize = (_, o) => NodeCluster.With(o, snapshotEvery: 50, keepEntries: 5),
    };

    private static async Task WriteAsync(NodeCluster cluster, string prefix, int count)
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        await cluster.WriteAsync(prefix, count, new System.Collections.Concurrent.ConcurrentDictionary<string, string>(), parallelism: 4,
            timeout: TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts <paramref name="id"/> to join with no configured peers, adds it, and checks that a snapshot caught it up.</summary>
    private static async Task JoinAsync(NodeCluster cluster, ulong id)
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        await cluster.StartNodeAsync(id, [], join: true);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            // The joiner knows no leader until it is added: ask whichever member leads.
            RaftNode? leader = null;
            await NodeCluster.WaitUntilAsync(() => (leader = cluster.Nodes.Values.FirstOrDefault(n => n.IsLeader)) is not null, "a member leads",
                TimeSpan.FromSeconds(30));
            try
            {
                await leader!.AddMemberAsync(id, cluster.Address(id));
                break;
            }
            catch (RaftNodeException) when (DateTime.UtcNow < deadline)
            {
                // Leadership moved on a loaded machine: the add is retried (it is idempotent).
            }
        }
        await NodeCluster.WaitUntilAsync(() => cluster.Logs[id].Contains(SnapshotInstalledEventId),
            $"node {id} installs a snapshot", TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits until <paramref name="of"/>'s status gives every one of <paramref name="members"/> its real address.</summary>
    private static async Task WaitForAddressesAsync(NodeCluster cluster, ulong of, ulong[] members)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string seen;
        while (true)
        {
            var status = await cluster.Nodes[of].GetStatusAsync();
            var book = status.Members.ToDictionary(m => m.NodeId, m => m.Address);
            if (members.All(id => book.GetValueOrDefault(id) == cluster.Address(id))) return;
            seen = string.Join(", ", book.Select(b => $"{b.Key}={b.Value}"));
            if (DateTime.UtcNow > deadline) break;
            await Task.Delay(50);
        }
        Assert.Fail($"node {of} knows the members as [{seen}], expected [{string.Join(", ", members.Select(id => $"{id}={cluster.Address(id)}"))}]");
    }

    private static async Task MoveLeadershipAsync(NodeCluster cluster, ulong to)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!cluster.Nodes[to].IsLeader)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"node {to} never took the leadership");
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await cluster.Nodes[to].TransferLeadershipAsync(to, attempt.Token);
            }
            catch (Exception ex) when (ex is RaftNodeException or OperationCanceledException)
            {
                await Task.Delay(100);
            }
        }
    }
}
