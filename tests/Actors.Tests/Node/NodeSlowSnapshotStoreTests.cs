using System.Collections.Concurrent;
using Akka.Configuration;
using Akka.Persistence.TestKit;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// A snapshot store slower than the snapshots fall due (Akka.Persistence.TestKit's store, each save held back):
/// one save is in flight at a time, every save that completes is reported, and the newest capture is stored
/// once the store is free again instead of being lost in the overlap.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeSlowSnapshotStoreTests
{
    private const string SlowStore = "akka.persistence.snapshot-store.slow";

    private static readonly Config SlowStoreConfig = ConfigurationFactory.ParseString($$"""
        {{SlowStore}} {
          class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """);

    [Fact]
    public async Task Snapshots_falling_due_while_a_save_is_in_flight_are_stored_one_after_the_other_and_each_is_reported()
    {
        await using var cluster = new NodeCluster
        {
            Customize = (_, o) => NodeCluster.With(o, snapshotEvery: 5, keepEntries: 0, snapshotPluginId: SlowStore, systemConfig: SlowStoreConfig),
        };
        await cluster.StartAsync(1);
        var node = cluster.Nodes[1];
        await cluster.WaitForLeaderAsync();
        var store = TestSnapshotStore.FromRef(Akka.Persistence.Persistence.Instance.Apply(node.ActorSystem).SnapshotStoreFor(SlowStore));
        await store.OnSave.PassWithDelay(TimeSpan.FromMilliseconds(700));

        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("w-", 60, acknowledged, parallelism: 1);
        var last = (await node.GetStatusAsync()).AppliedIndex;

        // The last capture (at the last write, or within snapshot-every of it) is stored once the saves before it are done.
        await NodeCluster.WaitUntilAsync(() => cluster.Events[1].Any(e => e is SnapshotStored s && s.Index + 5 > last),
            $"a snapshot within 5 entries of the last applied index {last} to be reported", TimeSpan.FromSeconds(30));
        var stored = cluster.Events[1].OfType<SnapshotStored>().ToArray();
        Assert.True(stored.Length >= 2, $"{stored.Length} snapshot(s) reported: {string.Join(", ", stored.Select(s => s.Index))}");
        Assert.True(stored.Zip(stored.Skip(1)).All(p => p.Item1.Index < p.Item2.Index),
            $"reported snapshot indexes do not increase: {string.Join(", ", stored.Select(s => s.Index))}");
    }
}
