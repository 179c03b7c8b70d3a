using System.Net;
using System.Net.Sockets;
using RaftActors.Actors.Runtime;
using RaftActors.Actors.Tests.Transport;
using RaftActors.Actors.Transport;
using RaftActors.Persistence;
using RaftActors.TestKit;
using static RaftActors.Actors.Tests.Runtime.PeerTestNode;
using static RaftActors.Actors.Tests.Transport.TransportTestKit;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>The PeerActor's snapshot rules and its sender's lifetime.</summary>
public sealed class PeerActorTests
{
    /// <summary>
    /// A peer that accepts TCP connections but never answers the handshake: a snapshot sent to it stays
    /// queued (in flight) until the test ends it, with no timing involved.
    /// </summary>
    private static Socket SilentPeer(out string address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(8);
        address = socket.LocalEndPoint!.ToString()!;
        return socket;
    }

    private static TransportOptions PatientOptions(ulong id) => NodeOptions(id) with { HandshakeTimeout = TimeSpan.FromMinutes(5) };

    [Fact]
    public async Task Second_snapshot_while_one_is_in_flight_is_reported_failed_and_the_first_fails_when_the_peer_goes()
    {
        using var silent = SilentPeer(out var address);
        await using var node1 = Start(1, PatientOptions(1));
        node1.StoreSnapshot(index: 10, term: 1, size: 4096);
        node1.Transport.EnsurePeer(2, address);

        node1.Transport.Send(2, [node1.SnapshotMessage(2, 10, 1)]);
        node1.Transport.Send(2, [node1.SnapshotMessage(2, 10, 1)]);

        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await node1.Raft.ExpectMsgAsync<SnapshotSendFinished>(timeout: Deadline));
        Assert.True(node1.Log.Contains("another transfer to it is in progress"));

        node1.Transport.RemovePeer(2);
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await node1.Raft.ExpectMsgAsync<SnapshotSendFinished>(timeout: Deadline));
    }

    [Fact]
    public async Task Snapshot_in_flight_fails_when_the_peer_moves_and_the_next_one_goes_to_the_new_address()
    {
        using var silent = SilentPeer(out var address);
        await using var node1 = Start(1, PatientOptions(1));
        await using var node2 = Start(2);
        var payload = node1.StoreSnapshot(index: 20, term: 2, size: 100 * 1024);
        // Created directly, so that it surely starts at the silent address (NodeTransport would build it
        // with whatever address is current when the actor's constructor runs).
        var (options, raft, journal) = (PatientOptions(1), node1.Raft, node1.Journal);
        var peer = node1.System.ActorOf(Props.Create(() => new PeerActor(options, 2, address, raft, journal, node1.Log)));
        peer.Tell(new OutboundMessages([node1.SnapshotMessage(2, 20, 2)]));

        peer.Tell(new PeerAddressChanged(node2.Address));
        // The new connection's reachability report may come before or after the failure.
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await node1.Raft.FishForMessageAsync<SnapshotSendFinished>(_ => true, Deadline));
        Assert.True(node1.Log.Contains($"moved from {address} to {node2.Address}"));

        peer.Tell(new OutboundMessages([node1.SnapshotMessage(2, 20, 2)]));
        Assert.Equal(payload, await File.ReadAllBytesAsync((await node2.Raft.ExpectMsgAsync<SnapshotReceived>(timeout: Deadline)).PayloadPath));
        Assert.Equal(new SnapshotSendFinished(2, Failed: false), await node1.Raft.FishForMessageAsync<SnapshotSendFinished>(_ => true, Deadline));
    }

    [Fact]
    public async Task Snapshot_the_journal_does_not_hold_is_reported_failed_at_once()
    {
        await using var node1 = Start(1);
        await using var node2 = Start(2);
        node1.Transport.EnsurePeer(2, node2.Address);
        Assert.Equal(new PeerReachabilityChanged(2, true), await node1.Raft.ExpectMsgAsync<PeerReachabilityChanged>(timeout: Deadline));

        node1.Transport.Send(2, [node1.SnapshotMessage(2, 5, 1)]);
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await node1.Raft.ExpectMsgAsync<SnapshotSendFinished>(timeout: Deadline));
        Assert.True(node1.Log.Contains("the journal holds snapshot 0"));

        node1.StoreSnapshot(index: 30, term: 4, size: 1000);
        node1.Transport.Send(2, [node1.SnapshotMessage(2, 29, 4), node1.SnapshotMessage(2, 30, 3)]);
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await node1.Raft.ExpectMsgAsync<SnapshotSendFinished>(timeout: Deadline));
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await node1.Raft.ExpectMsgAsync<SnapshotSendFinished>(timeout: Deadline));

        // Nothing stays marked in flight after a refusal: the right snapshot goes through.
        node1.Transport.Send(2, [node1.SnapshotMessage(2, 30, 4)]);
        Assert.Equal(new SnapshotSendFinished(2, Failed: false), await node1.Raft.ExpectMsgAsync<SnapshotSendFinished>(timeout: Deadline));
        await node2.Raft.ExpectMsgAsync<SnapshotReceived>(m => m.Message.Snapshot!.Metadata.Index == 30, Deadline);
    }

    [Fact]
    public async Task Stopping_the_actor_closes_its_connection()
    {
        await using var node2 = Start(2);
        await using var system = new ActorSystem("peer-actor-test");
        var raft = new TestProbe(system);
        using var journal = new InMemoryJournal();
        var options = NodeOptions(1);
        var address = node2.Address;
        var peer = system.ActorOf(Props.Create(() => new PeerActor(options, 2, address, raft, journal, NullTransportLog.Instance)));
        peer.Tell(new OutboundMessages([Heartbeat(1, 2, 1)]));
        await node2.Raft.ExpectMsgAsync<PeerMessagesReceived>(timeout: Deadline);
        Assert.Equal([1UL], node2.Transport.ConnectedPeers);

        system.Stop(peer);
        await system.WhenStopped(peer);

        await WaitUntilAsync(() => node2.Transport.ConnectedPeers.Count == 0, "node 2 saw the connection close");
    }

    [Fact]
    public async Task Forward_and_messages_told_to_the_actor_keep_their_order()
    {
        await using var node1 = Start(1);
        await using var node2 = Start(2);
        var peer = node1.Transport.EnsurePeer(2, node2.Address);

        peer.Tell(new OutboundMessages([Heartbeat(1, 2, 1)]));
        peer.Tell(new OutboundForward([42]));
        peer.Tell(new OutboundMessages([Heartbeat(1, 2, 2)]));

        Assert.Equal(1UL, (await node2.Raft.ExpectMsgAsync<PeerMessagesReceived>(timeout: Deadline)).Messages.Single().Term);
        // The forward is delivered before the next batch is read: it is recorded by the time that batch arrives.
        Assert.Equal(2UL, (await node2.Raft.ExpectMsgAsync<PeerMessagesReceived>(timeout: Deadline)).Messages.Single().Term);
        Assert.Equal([(1UL, new byte[] { 42 })], node2.Forwards.Select(f => (f.From, f.Payload)));
    }
}
