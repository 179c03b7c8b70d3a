using System.Text;

namespace RaftActors.Actors.Tests.Node;

[Collection(NodeClusterCollection.Name)]
public sealed class JoinAfterCompactionTests
{
    [Fact]
    public async Task A_member_added_after_the_log_was_compacted_catches_up_from_a_fresh_snapshot()
    {
        await using var cluster = new NodeCluster
        {
            // Snapshots every 50 entries keeping 5: the joiner's first entries are long gone, and the stored
            // snapshot predates the change that adds it, so it would refuse that snapshot.
            Customize = (_, o) => new RaftActors.Actors.RaftNodeOptions
            {
                NodeId = o.NodeId, ListenAddress = o.ListenAddress, DataDirectory = o.DataDirectory, ClusterId = o.ClusterId,
                Secret = o.Secret, TickInterval = o.TickInterval, Join = o.Join, Peers = o.Peers, RequestTimeout = o.RequestTimeout,
                SnapshotEvery = 50, KeepEntriesAfterSnapshot = 5,
            },
        };
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        for (var i = 0; i < 120; i++) await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set($"k{i}", $"v{i}"));

        var joiner = await cluster.StartNodeAsync(4, [1, 2, 3], join: true);
        await cluster.Nodes[leader].AddMemberAsync(4, cluster.Address(4));

        await NodeCluster.WaitUntilAsync(() => cluster.Services[4].Get("k119") == "v119", "the joiner holds the last write");
        // On a loaded machine leadership may have moved meanwhile: ask whoever leads now, and give it the time to
        // apply the promotion (the joiner can hold the last write before every node applied the change).
        NodeStatus? status = null;
        await NodeCluster.WaitUntilAsync(() =>
        {
            var current = cluster.Nodes.Values.FirstOrDefault(n => n.IsLeader);
            status = current?.GetStatusAsync().GetAwaiter().GetResult();
            return status is not null && status.Members.Any(m => m.NodeId == 4 && m.IsVoter);
        }, "the leader to count node 4 as a voter");
        Assert.Contains(status!.Members, m => m.NodeId == 4 && m.IsVoter);
        Assert.Equal("v0", Encoding.UTF8.GetString(await joiner.QueryAsync("kv", Encoding.UTF8.GetBytes("k0"))));
    }
}
