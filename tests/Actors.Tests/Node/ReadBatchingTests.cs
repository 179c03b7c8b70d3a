using System.Text;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// Linearizable reads that arrive together share one ReadIndex round (one heartbeat round to the followers), and
/// each of them still sees every write acknowledged before it was asked.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class ReadBatchingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_linearizable_reads_share_read_index_rounds_and_each_sees_the_writes_before_it(bool throughFollower)
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var reader = throughFollower ? cluster.Nodes.Keys.First(id => id != leader) : leader;
        var node = cluster.Nodes[reader];

        const int readers = 64;
        const int readsEach = 20;
        for (var w = 0; w < readers; w++) await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set($"r{w}", "v0"));
        var before = node.ReadRounds;
        var reads = 0;
        using var start = new ManualResetEventSlim();
        async Task Reader(int worker)
        {
            start.Wait();
            var key = $"r{worker}";
            for (var i = 1; i <= readsEach; i++)
            {
                // Every other round a write acknowledged just before the read: the read must see it.
                if (i % 2 == 0) await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set(key, $"v{i}"));
                var expected = i % 2 == 0 ? $"v{i}" : $"v{i - 1}";
                Assert.Equal(expected, Encoding.UTF8.GetString(await node.QueryAsync("kv", Encoding.UTF8.GetBytes(key))));
                Interlocked.Increment(ref reads);
            }
        }
        var workers = Enumerable.Range(0, readers).Select(w => Task.Run(() => Reader(w))).ToArray();
        start.Set();
        await Task.WhenAll(workers);

        var rounds = node.ReadRounds - before;
        Assert.Equal(readers * readsEach, reads);
        // One round per read would be 1,280; concurrent readers share them.
        Assert.True(rounds < reads / 2, $"{reads} reads took {rounds} ReadIndex rounds");
    }
}
