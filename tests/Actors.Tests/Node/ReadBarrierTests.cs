namespace RaftActors.Actors.Tests.Node;

public sealed class ReadBarrierTests
{
    [Fact]
    public async Task After_a_read_barrier_a_follower_service_holds_every_write_acknowledged_before_it()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var followers = cluster.Nodes.Keys.Where(id => id != leader).ToArray();

        for (var round = 0; round < 20; round++)
        {
            await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set("k", $"v{round}"));
            foreach (var follower in followers)
            {
                var index = await cluster.Nodes[follower].ReadBarrierAsync();
                Assert.True(index > 0);
                // Read the service directly, not through QueryAsync: the barrier alone must make this safe.
                Assert.Equal($"v{round}", cluster.Services[follower].Get("k"));
            }
        }
    }
}

/// <summary>Linearizable reads through every node at once: read contexts of different nodes never collide at the leader.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class ConcurrentReadTests
{
    [Fact]
    public async Task Concurrent_linearizable_reads_on_every_node_all_succeed_and_no_node_starves()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        await cluster.WaitForLeaderAsync();
        await cluster.Nodes.Values.First().ProposeAsync("kv", NodeCluster.Set("read-me", "yes"));
        var served = new System.Collections.Concurrent.ConcurrentDictionary<ulong, int>();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        var workers = cluster.Nodes.Values.SelectMany(node => Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (DateTime.UtcNow < until)
            {
                try
                {
                    var value = await node.QueryAsync("kv", System.Text.Encoding.UTF8.GetBytes("read-me"), timeout: TimeSpan.FromSeconds(5));
                    if (System.Text.Encoding.UTF8.GetString(value) != "yes") failures.Enqueue($"node {node.NodeId} read a wrong value");
                    served.AddOrUpdate(node.NodeId, 1, (_, n) => n + 1);
                }
                catch (RaftNodeException ex)
                {
                    failures.Enqueue($"node {node.NodeId}: {ex.Code} {ex.Message}");
                }
            }
        }))).ToArray();
        await Task.WhenAll(workers);

        Assert.Empty(failures);
        foreach (var id in cluster.Nodes.Keys)
        {
            Assert.True(served.GetValueOrDefault(id) >= 50, $"node {id} served {served.GetValueOrDefault(id)} reads in 3 s: " +
                string.Join(", ", served.Select(s => $"{s.Key}={s.Value}")));
        }
    }
}
