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
