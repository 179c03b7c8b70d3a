namespace RaftActors.Actors.Tests.Node;

public sealed class AddMemberTests
{
    [Fact]
    public async Task A_member_added_through_a_follower_is_caught_up_as_a_learner_then_promoted()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        for (var i = 0; i < 50; i++) await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set($"k{i}", $"v{i}"));
        var follower = cluster.Nodes.Keys.First(id => id != leader);
        await cluster.StartNodeAsync(4, [1, 2, 3], join: true);

        var events = new List<RaftEvent>();
        cluster.Nodes[leader].EventRaised += (_, e) => { lock (events) events.Add(e); };
        var config = await cluster.Nodes[follower].AddMemberAsync(4, cluster.Address(4));

        Assert.Contains(4UL, config.Voters);
        // Added first as a learner, then as a voter: the newcomer never counted toward a quorum before it caught up.
        await NodeCluster.WaitUntilAsync(() => { lock (events) return events.OfType<MemberAdded>().Count(e => e.Member == 4) >= 2; }, "both membership events");
        lock (events)
        {
            var added = events.OfType<MemberAdded>().Where(e => e.Member == 4).ToArray();
            Assert.False(added[0].IsVoter);
            Assert.True(added[^1].IsVoter);
        }
        await NodeCluster.WaitUntilAsync(() => cluster.Services[4].Get("k49") == "v49", "the new member holds every write");
    }
}
