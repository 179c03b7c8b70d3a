using System.Text;
using RaftActors.Actors;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>Linearizable reads over real Akka.Remote when the link to the leader drops what crosses it.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class ReadScenarios
{
    [Fact]
    public async Task A_follower_read_whose_request_to_the_leader_was_lost_is_asked_again_and_completes_after_the_heal()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.AnyFollower(leader);
        await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Set("k", "v"));
        await ScenarioCluster.WaitUntilAsync(() => cluster.Services[follower].Get("k") == "v", () => "the follower applied the write");

        // Raft does not retransmit a read request: the follower's MsgReadIndex is black-holed on its way out,
        // and the cut ends before the follower could give up on the leader (half an election timeout).
        await cluster.Network.CutOneWayAsync(follower, leader);
        var read = cluster.Nodes[follower].QueryAsync("ledger", Encoding.UTF8.GetBytes("k"), timeout: TimeSpan.FromSeconds(8));
        await Task.Delay(ScenarioCluster.ElectionTimeout / 2); // lets the request leave into the cut, not a wait for an outcome
        await cluster.Network.HealAsync();

        var value = await read.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("v", Encoding.UTF8.GetString(value));
        Assert.Equal(leader, cluster.Nodes[follower].Leader);
    }
}
