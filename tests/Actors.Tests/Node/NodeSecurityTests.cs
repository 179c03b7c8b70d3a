using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using RaftActors.Actors;
using RaftActors.Actors.Tests.Transport;
using RaftActors.Actors.Transport;

namespace RaftActors.Actors.Tests.Node;

/// <summary>Strangers and hostile bytes on the peer port, over real TCP with SQLite journals.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeSecurityTests
{
    private const ulong Stranger = 4;

    [Fact]
    public async Task A_node_with_a_wrong_cluster_secret_is_rejected_and_learns_nothing_while_the_cluster_goes_on()
    {
        await using var cluster = new NodeCluster();
        await AssertStrangerIsRejectedAsync(cluster, o => NodeCluster.With(o, secret: "a-wrong-secret-of-enough-bytes"), "failed to prove the cluster secret");
    }

    [Fact]
    public async Task A_node_with_a_wrong_cluster_id_is_rejected_and_learns_nothing_while_the_cluster_goes_on()
    {
        await using var cluster = new NodeCluster();
        await AssertStrangerIsRejectedAsync(cluster, o => NodeCluster.With(o, clusterId: "another-cluster"), "wrong cluster id");
    }

    [Fact]
    public async Task Garbage_bytes_on_the_leaders_peer_port_are_refused_and_writes_keep_committing()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var term = (await cluster.Nodes[leader].GetStatusAsync()).Term;
        var acknowledged = new ConcurrentDictionary<string, string>();
        var writes = cluster.WriteAsync("during-", 400, acknowledged, parallelism: 4, via: leader);
        var endPoint = cluster.EndPoint(leader);
        var random = new Random(42);

        // Before any handshake: random bytes, and a frame header announcing 4 GiB.
        foreach (var garbage in new[] { RandomBytes(random, 4096), [0xFF, 0xFF, 0xFF, 0xFF, .. RandomBytes(random, 60)] })
        {
            await using var peer = await RawPeer.ConnectAsync(endPoint);
            await peer.SendAsync(garbage);
            Assert.True(await peer.WasClosedAsync(), "the node kept a connection that sent garbage instead of a handshake");
        }

        // After a genuine handshake (an insider with the secret): an oversized length prefix, a bad CRC, an undecodable frame.
        var insider = new TransportOptions { ClusterId = NodeCluster.ClusterId, NodeId = 99, Secret = Encoding.UTF8.GetBytes(NodeCluster.Secret) };
        var huge = new byte[FrameCodec.HeaderSize + 16];
        BinaryPrimitives.WriteUInt32LittleEndian(huge, 0x7FFF_FFF0);
        var badCrc = RawPeer.FrameOf(RandomBytes(random, 64));
        badCrc[4] ^= 0xFF;
        var undecodable = RawPeer.FrameOf(RandomBytes(random, 256));
        foreach (var hostile in new[] { huge, badCrc, undecodable })
        {
            await using var peer = await RawPeer.AuthenticatedAsync(endPoint, insider, leader);
            await peer.SendAsync(hostile);
            Assert.True(await peer.WasClosedAsync(), "the node kept a connection that sent a hostile frame");
        }

        // Each was dropped for what it sent, and logged; the node kept serving everyone else.
        await NodeCluster.WaitUntilAsync(() => cluster.Logs[leader].Lines.Count(l => l.Message.StartsWith("disconnected node 99", StringComparison.Ordinal)) == 3,
            "the leader logged dropping the three hostile connections");
        await writes;
        await cluster.WriteAsync("after-", 50, acknowledged, via: leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        // Undisturbed: the same leader in the same term, and every write acknowledged.
        var status = await cluster.Nodes[leader].GetStatusAsync();
        Assert.Equal(leader, status.Leader);
        Assert.Equal(term, status.Term);
        Assert.Equal(450, acknowledged.Count);
        Assert.All(status.Members, m => Assert.True(m.MatchIndex >= status.CommitIndex - 50, $"node {m.NodeId} lags at {m.MatchIndex}"));
    }

    /// <summary>
    /// Starts a stranger that wants to join and that the leader is even told to add as a learner; it fails every
    /// handshake both ways, so it never sees an entry, never learns a leader, and the cluster commits on regardless.
    /// </summary>
    private static async Task AssertStrangerIsRejectedAsync(NodeCluster cluster, Func<RaftNodeOptions, RaftNodeOptions> stranger, string reason)
    {
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 100, acknowledged);

        var node = await cluster.StartNodeAsync(Stranger, [1, 2, 3], join: true, adjust: stranger);
        await cluster.Nodes[leader].AddLearnerAsync(Stranger, cluster.Address(Stranger));
        await cluster.WriteAsync("after-", 100, acknowledged, via: leader);

        // Both directions were tried and refused: the stranger's dials to the members, the leader's dials to it.
        var members = new ulong[] { 1, 2, 3 };
        await NodeCluster.WaitUntilAsync(() => members.Any(id => cluster.Logs[id].Any(l => l.Message.StartsWith("rejected", StringComparison.Ordinal)
            && l.Message.Contains(reason, StringComparison.Ordinal))), "a member rejected the stranger's handshake");
        await NodeCluster.WaitUntilAsync(() => cluster.Logs[Stranger].Any(l => l.Message.StartsWith("rejected", StringComparison.Ordinal)),
            "the stranger rejected the leader's handshake");
        await NodeCluster.WaitUntilAsync(() => cluster.Logs[leader].Contains($"cannot reach node {Stranger}"), "the leader gave up reaching the stranger");

        Assert.Equal(0, cluster.Services[Stranger].Applied);
        Assert.Equal(0, cluster.Services[Stranger].Count);
        var status = await node.GetStatusAsync();
        Assert.Equal(0UL, status.Leader);
        Assert.Equal(0UL, status.CommitIndex);
        Assert.Equal(0UL, status.LastIndex);
        Assert.Empty(status.Members);

        // The cluster is unaffected: same leader, all writes everywhere, and the stranger matched nothing.
        await cluster.WriteAsync("later-", 50, acknowledged);
        var members3 = cluster.Nodes.Where(n => n.Key != Stranger).ToDictionary();
        await NodeCluster.WaitUntilAsync(() => members3.Keys.All(id => cluster.Services[id].Holds(acknowledged)), "the members hold every write");
        var leaderStatus = await cluster.Nodes[leader].GetStatusAsync();
        Assert.Equal(leader, leaderStatus.Leader);
        Assert.Equal(0UL, leaderStatus.Members.Single(m => m.NodeId == Stranger).MatchIndex ?? 0);
        Assert.False(cluster.Events[Stranger].Any(e => e is LeaderChanged { Leader: not 0 }), "the stranger learned of a leader");
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
