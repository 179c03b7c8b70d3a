using System.Collections.Concurrent;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Storing a snapshot that takes longer than an election timeout (<see cref="SlowSnapshotService"/>: 16 chunks
/// 150 ms apart, 2.4 s; the election timeout is 0.5 to 1 s) stalls neither the Ready loop nor applying: the
/// leader keeps its term, writes go on while the snapshot is written, and the snapshots are usable.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class SlowSnapshotScenarios
{
    private static NodeCluster SlowSnapshotCluster() => new()
    {
        Customize = (_, o) => NodeCluster.With(o, snapshotEvery: 100, keepEntries: 10),
        ExtraServices = _ => [new SlowSnapshotService()],
    };

    private static SlowSnapshotService Slow(NodeCluster cluster, ulong id) => (SlowSnapshotService)cluster.ExtraServicesOf[id][0];

    [Fact]
    public async Task A_leader_whose_snapshots_take_longer_than_an_election_timeout_to_store_keeps_its_term_while_writes_go_on_and_a_joiner_catches_up_from_one()
    {
        await using var cluster = SlowSnapshotCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var term = (await cluster.Nodes[leader].GetStatusAsync()).Term;
        var slow = Slow(cluster, leader);

        var acknowledged = new ConcurrentDictionary<string, string>();
        var duringSnapshotWrites = 0;
        var slowCommands = 0;
        using var stop = new CancellationTokenSource();
        async Task Writer(int worker)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"w{worker}-{i}";
                await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set(key, "v"));
                acknowledged[key] = "v";
                if (slow.Writing) Interlocked.Increment(ref duringSnapshotWrites);
                if (i % 10 == 0)
                {
                    await cluster.Nodes[leader].ProposeAsync("slow", [1]);
                    Interlocked.Increment(ref slowCommands);
                }
            }
        }
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => Writer(w))).ToArray();
        // Three snapshots stored one after the other, each written for 2.4 s while the writers go on.
        await NodeCluster.WaitUntilAsync(() => cluster.Events[leader].Count(e => e is SnapshotStored) >= 3 || writers.Any(w => w.IsCompleted),
            "the leader stored three slow snapshots", TimeSpan.FromSeconds(90));
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.True(duringSnapshotWrites >= 30, $"only {duringSnapshotWrites} writes were acknowledged while a snapshot was being written");
        foreach (var (id, node) in cluster.Nodes)
        {
            var status = await node.GetStatusAsync();
            Assert.True(status.Term == term && status.Leader == leader, $"node {id} is at term {status.Term} with leader {status.Leader}, not {term} with {leader}");
        }

        // The snapshots are usable: a member added now gets one (the log behind it is compacted) and restores it.
        await cluster.StartNodeAsync(4, [1, 2, 3], join: true);
        await cluster.Nodes[leader].AddMemberAsync(4, cluster.Address(4));
        await cluster.WaitForAllToHoldAsync(acknowledged, TimeSpan.FromSeconds(60));
        Assert.Equal(1, cluster.Services[4].Restores);
        await NodeCluster.WaitUntilAsync(() => Slow(cluster, 4).Counter == slowCommands, $"the joiner's slow service counts {slowCommands} commands");
        Assert.Equal(1, Slow(cluster, 4).Restores);
    }

    [Fact]
    public async Task A_node_that_crashes_while_a_slow_snapshot_is_written_restarts_from_the_previous_snapshot_and_catches_up()
    {
        await using var cluster = SlowSnapshotCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var victim = cluster.Nodes.Keys.First(id => id != leader);
        var acknowledged = new ConcurrentDictionary<string, string>();
        for (var i = 0; i < 110; i++) await cluster.Nodes[leader].ProposeAsync("slow", [1]);
        await NodeCluster.WaitUntilAsync(() => cluster.Events[victim].Any(e => e is SnapshotStored), "the victim stored its first snapshot");
        var first = cluster.Events[victim].OfType<SnapshotStored>().Single();
        var written = Slow(cluster, victim).Written;

        // The next snapshot falls due and is being written when the node crashes.
        await cluster.WriteAsync("more-", 110, acknowledged, parallelism: 8, via: leader);
        await NodeCluster.WaitUntilAsync(() => Slow(cluster, victim).Writing, "the victim is writing its second snapshot");
        await cluster.CrashNodeAsync(victim);
        Assert.Equal(written, Slow(cluster, victim).Written);

        await cluster.RestartNodeAsync(victim);
        var restarted = Slow(cluster, victim);
        Assert.Equal(1, restarted.Restores);
        // The first snapshot is in force: its index less the 3 bootstrap entries and the leader's no-op.
        Assert.Equal((long)first.Index - 4, restarted.RestoredCounter);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        await NodeCluster.WaitUntilAsync(() => restarted.Counter == 110, "the restarted node applied every slow command again");
    }
}
