using System.Text;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Node;

[Collection(NodeClusterCollection.Name)]
public sealed class NodeClusterTests
{
    [Fact]
    public async Task Three_nodes_elect_a_leader_and_apply_a_write_sent_to_a_follower_everywhere()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.Keys.First(id => id != leader);

        var previous = await cluster.Nodes[follower].ProposeAsync("kv", NodeCluster.Set("x", "1"));
        Assert.Equal("", Encoding.UTF8.GetString(previous));
        var again = await cluster.Nodes[follower].ProposeAsync("kv", NodeCluster.Set("x", "2"));
        Assert.Equal("1", Encoding.UTF8.GetString(again));

        foreach (var (id, node) in cluster.Nodes)
        {
            var value = await node.QueryAsync("kv", Encoding.UTF8.GetBytes("x"));
            Assert.Equal("2", Encoding.UTF8.GetString(value));
        }
    }
}
