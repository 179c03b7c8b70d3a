namespace RaftActors.Actors.Tests.Node;

public sealed class RemoveSelfTests
{
    [Fact]
    public async Task A_follower_that_removes_itself_gets_the_answer_and_the_rest_keeps_committing()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.Keys.First(id => id != leader);

        // The leader drops its connection to a removed member; the reply to the member's own request
        // must still reach it, well within the request timeout.
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var config = await cluster.Nodes[follower].RemoveAsync(follower, quick.Token);
        Assert.DoesNotContain(follower, config.Voters);

        var remaining = cluster.Nodes.Keys.First(id => id != leader && id != follower);
        await cluster.Nodes[remaining].ProposeAsync("kv", NodeCluster.Set("after", "removal"));
        await NodeCluster.WaitUntilAsync(() => cluster.Services[leader].Get("after") == "removal", "the two remaining nodes commit");
    }
}
