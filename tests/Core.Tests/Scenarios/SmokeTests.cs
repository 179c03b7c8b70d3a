using RaftActors.Core;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scenarios;

public sealed class SmokeTests
{
    [Fact]
    public void Three_nodes_elect_a_leader_and_replicate_a_command()
    {
        var cluster = new SimulatedCluster(seed: 1);
        cluster.AddNodes(3);
        Assert.True(cluster.RunUntil(() => cluster.Leader() is not null, 100), "no leader within 100 ticks");
        var leader = cluster.Leader()!.Value;
        Assert.Equal(ProposeResult.Accepted, cluster.Propose(leader, "x=1"));
        cluster.Stabilize();
        foreach (var node in cluster.Nodes.Values)
        {
            Assert.Equal("1", node.Service.Data["x"]);
        }
    }
}
