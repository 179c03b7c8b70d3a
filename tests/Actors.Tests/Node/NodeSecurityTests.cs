using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using RaftActors.Actors;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Tests.Remote;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Node;

/// <summary>Strangers and hostile input on the peer port (Akka.Remote over real TCP), with SQLite journals.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeSecurityTests
{
    private const ulong Stranger = 4;

    [Fact]
    public async Task A_node_with_a_wrong_cluster_secret_is_rejected_and_learns_nothing_while_the_cluster_goes_on()
    {
        await using var cluster = new NodeCluster();
        await AssertStrangerIsRejectedAsync(cluster, o => NodeCluster.With(o, secret: "a-wrong-secret-of-enough-bytes"), PeerDropReason.BadMac);
    }

    [Fact]
    public async Task A_node_with_a_wrong_cluster_id_is_rejected_and_learns_nothing_while_the_cluster_goes_on()
    {
        await using var cluster = new NodeCluster();
        await AssertStrangerIsRejectedAsync(cluster, o => NodeCluster.With(o, clusterId: "another-cluster"), PeerDropReason.ForeignCluster);
    }

    [Fact]
    public async Task Garbage_bytes_and_hostile_frames_on_the_leaders_peer_port_are_dropped_and_writes_keep_committing()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var node = cluster.Nodes[leader];
        var term = (await node.GetStatusAsync()).Term;
        var acknowledged = new ConcurrentDictionary<string, string>();
        var writes = cluster.WriteAsync("during-", 400, acknowledged, parallelism: 4, via: leader);
        var random = new Random(42);

        // Raw garbage on the remoting port: random bytes, and a length prefix announcing 2 GiB.
        foreach (var garbage in new[] { RandomBytes(random, 4096), [0x7F, 0xFF, 0xFF, 0xF0, .. RandomBytes(random, 60)] })
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(cluster.EndPoint(leader));
            await tcp.GetStream().WriteAsync(garbage);
        }

        // An insider's system (it knows the secret) sends hostile frames to the leader's inbox over Akka.Remote.
        var insiderSystem = ActorSystem.Create("raft", RemoteTestSystems.Remoting());
        try
        {
            var insider = new PeerAuthenticator(NodeCluster.ClusterId, Encoding.UTF8.GetBytes(NodeCluster.Secret), 99);
            var outsider = new PeerAuthenticator(NodeCluster.ClusterId, Encoding.UTF8.GetBytes("not-the-secret-but-long-enough"), 98);
            var inbox = insiderSystem.ActorSelection($"akka.tcp://raft@{cluster.Address(leader)}/user/raft-{leader}/inbox");
            var before = node.DroppedPeerFrames;
            var sealedOnce = insider.Seal(leader, PeerPayloadKind.RaftMessages, PeerBodyCodec.EncodeRaftMessages([]));
            inbox.Tell(insider.Seal(leader, PeerPayloadKind.RaftMessages, RandomBytes(random, 256)));          // undecodable body
            inbox.Tell(insider.Seal(leader, PeerPayloadKind.SnapshotChunk, RandomBytes(random, 64)));          // undecodable chunk
            inbox.Tell(outsider.Seal(leader, PeerPayloadKind.RaftMessages, PeerBodyCodec.EncodeRaftMessages([]))); // wrong key
            inbox.Tell(insider.Seal(leader == 1 ? 2UL : 1UL, PeerPayloadKind.RaftMessages, PeerBodyCodec.EncodeRaftMessages([]))); // not for it
            inbox.Tell(sealedOnce);
            inbox.Tell(sealedOnce);                                                                            // a replay
            var forged = new RaftMessage { Type = MessageType.Heartbeat, From = 1 == leader ? 2UL : 1UL, To = leader, Term = term + 5 };
            inbox.Tell(insider.Seal(leader, PeerPayloadKind.RaftMessages, PeerBodyCodec.EncodeRaftMessages([forged]))); // claims another sender
            await NodeCluster.WaitUntilAsync(() => node.DroppedPeerFrames - before >= 6, "the leader dropped the six hostile frames");
            Assert.True(node.Authenticator.Dropped(PeerDropReason.BadMac) >= 1);
            Assert.True(node.Authenticator.Dropped(PeerDropReason.WrongReceiver) >= 1);
            Assert.True(node.Authenticator.Dropped(PeerDropReason.Replayed) >= 1);
        }
        finally
        {
            await insiderSystem.Terminate();
        }

        await writes;
        await cluster.WriteAsync("after-", 50, acknowledged, via: leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        // The forged heartbeat of term + 5 was not believed: no node took its term. (An election of the loaded machine's own
        // may have moved leadership on by a term or two meanwhile; that is not the hostile frames' doing.)
        await cluster.WaitForLeaderAsync();
        foreach (var member in cluster.Nodes.Values)
        {
            var status = await member.GetStatusAsync();
            Assert.True(status.Term < term + 5, $"node {member.NodeId} is at term {status.Term}: it believed the forged heartbeat of term {term + 5}");
        }
        Assert.Equal(450, acknowledged.Count);
    }

    /// <summary>
    /// Starts a stranger that wants to join and that the leader is even told to add as a learner; every frame
    /// between them fails authentication both ways, so it never sees an entry, never learns a leader, and the
    /// cluster commits on regardless.
    /// </summary>
    private static async Task AssertStrangerIsRejectedAsync(NodeCluster cluster, Func<RaftNodeOptions, RaftNodeOptions> stranger, PeerDropReason reason)
    {
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 100, acknowledged);

        var node = await cluster.StartNodeAsync(Stranger, [1, 2, 3], join: true, adjust: stranger);
        await cluster.Nodes[leader].AddLearnerAsync(Stranger, cluster.Address(Stranger));
        await cluster.WriteAsync("after-", 100, acknowledged, via: leader);

        // The stranger refused the leader's frames, and the members refused the stranger's answers.
        await NodeCluster.WaitUntilAsync(() => node.Authenticator.Dropped(reason) > 0, $"the stranger dropped the leader's frames as {reason}");
        Assert.Contains(cluster.Logs[Stranger].Lines, l => l.Message.Contains("dropped a frame", StringComparison.Ordinal)
            && l.Message.Contains(reason.ToString(), StringComparison.Ordinal));

        Assert.Equal(0, cluster.Services[Stranger].Applied);
        Assert.Equal(0, cluster.Services[Stranger].Count);
        var status = await node.GetStatusAsync();
        Assert.Equal(0UL, status.Leader);
        Assert.Equal(0UL, status.CommitIndex);
        Assert.Equal(0UL, status.LastIndex);
        Assert.Empty(status.Members);

        // The cluster is unaffected: all writes everywhere, and the stranger matched nothing. (Which member leads is
        // not the point: on a loaded machine a member may lose a heartbeat and leadership move among the three.)
        await cluster.WriteAsync("later-", 50, acknowledged);
        var members3 = cluster.Nodes.Where(n => n.Key != Stranger).ToDictionary();
        await NodeCluster.WaitUntilAsync(() => members3.Keys.All(id => cluster.Services[id].Holds(acknowledged)), "the members hold every write");
        RaftNode? current = null;
        await NodeCluster.WaitUntilAsync(() => (current = members3.Values.FirstOrDefault(n => n.IsLeader)) is not null, "a member leads");
        var leaderStatus = await current!.GetStatusAsync();
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
