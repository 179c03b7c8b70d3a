using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using static RaftActors.Actors.Tests.Runtime.PeerTestNode;
using static RaftActors.Actors.Tests.Transport.TransportTestKit;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>Two nodes' transports over real sockets on 127.0.0.1, their RaftActors played by probes.</summary>
public sealed class NodeTransportTests
{
    [Fact]
    public async Task Messages_routed_to_a_peer_reach_its_raft_actor_in_order()
    {
        await using var node1 = Start(1);
        await using var node2 = Start(2);
        node1.Transport.EnsurePeer(2, node2.Address);
        var append = new RaftMessage
        {
            Type = MessageType.Append, From = 1, To = 2, Term = 5, LogTerm = 4, Index = 9, Commit = 8,
            Entries = [new Entry(5, 10, EntryType.Normal, [1, 2, 3])],
        };

        node1.Transport.Send(2, [Heartbeat(1, 2, 5), append]);

        var received = await node2.Raft.ExpectMsgAsync<PeerMessagesReceived>(timeout: Deadline);
        Assert.Equal(1UL, received.From);
        Assert.Equal([Heartbeat(1, 2, 5), append], received.Messages);
        Assert.Equal(new PeerReachabilityChanged(2, true), await node1.Raft.ExpectMsgAsync<PeerReachabilityChanged>(timeout: Deadline));
    }

    [Fact]
    public async Task Snapshot_is_streamed_from_the_journal_into_a_staged_file()
    {
        await using var node1 = Start(1);
        await using var node2 = Start(2);
        var payload = node1.StoreSnapshot(index: 100, term: 3, size: 300 * 1024 + 17);
        node1.Transport.EnsurePeer(2, node2.Address);

        node1.Transport.Send(2, [node1.SnapshotMessage(2, 100, 3)]);

        var received = await node2.Raft.ExpectMsgAsync<SnapshotReceived>(timeout: Deadline);
        Assert.Equal(node1.SnapshotMessage(2, 100, 3), received.Message);
        Assert.Equal(Path.Combine(node2.DataDirectory, SnapshotStaging.FolderName), Path.GetDirectoryName(received.PayloadPath));
        Assert.Equal(payload, await File.ReadAllBytesAsync(received.PayloadPath));
        Assert.Equal(new PeerReachabilityChanged(2, true), await node1.Raft.ExpectMsgAsync<PeerReachabilityChanged>(timeout: Deadline));
        Assert.Equal(new SnapshotSendFinished(2, Failed: false), await node1.Raft.ExpectMsgAsync<SnapshotSendFinished>(timeout: Deadline));
    }

    [Fact]
    public async Task Heartbeats_around_a_snapshot_still_arrive()
    {
        await using var node1 = Start(1);
        await using var node2 = Start(2);
        node1.StoreSnapshot(index: 50, term: 2, size: 200 * 1024);
        node1.Transport.EnsurePeer(2, node2.Address);

        node1.Transport.Send(2, [Heartbeat(1, 2, 2), node1.SnapshotMessage(2, 50, 2), Heartbeat(1, 2, 3)]);

        var terms = new List<ulong>();
        var snapshots = 0;
        while (terms.Count < 2 || snapshots < 1)
        {
            switch (await node2.Raft.ExpectMsgAsync<object>(timeout: Deadline))
            {
                case PeerMessagesReceived batch: terms.AddRange(batch.Messages.Select(m => m.Term)); break;
                case SnapshotReceived: snapshots++; break;
                case var other: Assert.Fail($"unexpected {other}"); break;
            }
        }
        Assert.Equal([2UL, 3UL], terms);
    }

    [Fact]
    public async Task Snapshot_to_an_unreachable_peer_fails_and_the_peer_is_reported_unreachable()
    {
        await using var node1 = Start(1);
        node1.StoreSnapshot(index: 10, term: 1, size: 1024);
        node1.Transport.EnsurePeer(2, ClosedAddress());

        node1.Transport.Send(2, [node1.SnapshotMessage(2, 10, 1)]);

        var reports = await node1.TakeAsync(2);
        Assert.Contains(new SnapshotSendFinished(2, Failed: true), reports);
        Assert.Contains(new PeerReachabilityChanged(2, false), reports);
    }

    [Fact]
    public async Task Forward_payloads_round_trip_between_two_nodes()
    {
        await using var node1 = Start(1);
        await using var node2 = Start(2, echoForwards: true);
        node1.Transport.EnsurePeer(2, node2.Address);
        node2.Transport.EnsurePeer(1, node1.Address);

        Assert.True(node1.Transport.SendForward(2, [1, 2, 3]));
        Assert.True(node1.Transport.SendForward(2, [4, 5]));

        await WaitUntilAsync(() => node1.Forwards.Count == 2, "both answers came back");
        Assert.Equal([(2UL, new byte[] { 3, 2, 1 }), (2UL, new byte[] { 5, 4 })], node1.Forwards.Select(f => (f.From, f.Payload)));
        Assert.Equal([(1UL, new byte[] { 1, 2, 3 }), (1UL, new byte[] { 4, 5 })], node2.Forwards.Select(f => (f.From, f.Payload)));
    }

    [Fact]
    public async Task Forward_to_a_peer_without_an_actor_is_refused_and_an_oversized_one_throws()
    {
        await using var node1 = Start(1);
        Assert.False(node1.Transport.SendForward(2, [1]));
        node1.Transport.EnsurePeer(2, ClosedAddress());
        Assert.Throws<ArgumentException>(() => node1.Transport.SendForward(2, new byte[NodeOptions(1).MaxFrameSize]));
    }

    [Fact]
    public async Task A_peer_moved_to_another_address_is_reached_there()
    {
        await using var node1 = Start(1);
        await using var node2 = Start(2);
        var first = node1.Transport.EnsurePeer(2, ClosedAddress());
        Assert.Equal(new PeerReachabilityChanged(2, false), await node1.Raft.ExpectMsgAsync<PeerReachabilityChanged>(timeout: Deadline));

        Assert.Same(first, node1.Transport.EnsurePeer(2, node2.Address));
        node1.Transport.Send(2, [Heartbeat(1, 2, 7)]);

        Assert.Equal([Heartbeat(1, 2, 7)], (await node2.Raft.ExpectMsgAsync<PeerMessagesReceived>(timeout: Deadline)).Messages);
        Assert.Equal(node2.Address, node1.Transport.Peers[2]);
    }

    [Fact]
    public async Task Removing_a_peer_closes_its_connection_and_messages_to_it_are_dropped()
    {
        await using var node1 = Start(1);
        await using var node2 = Start(2);
        var peer = node1.Transport.EnsurePeer(2, node2.Address);
        node1.Transport.Send(2, [Heartbeat(1, 2, 1)]);
        await node2.Raft.ExpectMsgAsync<PeerMessagesReceived>(timeout: Deadline);

        Assert.True(node1.Transport.RemovePeer(2));
        await node1.System.WhenStopped(peer);
        Assert.False(node1.Transport.TryGetPeer(2, out _));
        Assert.False(node1.Transport.RemovePeer(2));
        await WaitUntilAsync(() => node2.Transport.ConnectedPeers.Count == 0, "node 2 saw the connection close");

        node1.Transport.Send(2, [Heartbeat(1, 2, 2)]);
        Assert.True(node1.Log.Contains("no address known"));
        var again = node1.Transport.EnsurePeer(2, node2.Address);
        Assert.NotSame(peer, again);
        node1.Transport.Send(2, [Heartbeat(1, 2, 3)]);
        Assert.Equal(3UL, (await node2.Raft.ExpectMsgAsync<PeerMessagesReceived>(timeout: Deadline)).Messages.Single().Term);
    }

    [Fact]
    public async Task SetPeers_starts_moves_and_stops_peer_actors_and_skips_bad_addresses()
    {
        await using var node1 = Start(1);
        await using var node2 = Start(2);
        node1.Transport.SetPeers(new Dictionary<ulong, string> { [1] = node1.Address, [2] = ClosedAddress(), [3] = ClosedAddress(), [4] = "no port" });
        Assert.Equal([2UL, 3UL], node1.Transport.Peers.Keys.Order());
        Assert.True(node1.Log.Contains("cannot reach node 4"));

        node1.Transport.SetPeers(new Dictionary<ulong, string> { [2] = node2.Address });
        Assert.Equal([2UL], node1.Transport.PeerIds);
        node1.Transport.Send(2, [Heartbeat(1, 2, 4)]);
        await node2.Raft.ExpectMsgAsync<PeerMessagesReceived>(timeout: Deadline);
    }

    [Fact]
    public async Task EnsurePeer_refuses_bad_addresses_and_ids_before_starting_anything()
    {
        await using var node1 = Start(1);
        Assert.Throws<ArgumentException>(() => node1.Transport.EnsurePeer(2, "127.0.0.1"));
        Assert.Throws<ArgumentException>(() => node1.Transport.EnsurePeer(1, "127.0.0.1:7001"));
        Assert.Throws<ArgumentException>(() => node1.Transport.EnsurePeer(0, "127.0.0.1:7001"));
        Assert.Empty(node1.Transport.Peers);
    }

    [Fact]
    public async Task Dispose_stops_every_peer_actor_and_the_listener()
    {
        await using var node2 = Start(2);
        var node1 = Start(1);
        var peer = node1.Transport.EnsurePeer(2, node2.Address);
        node1.Transport.Send(2, [Heartbeat(1, 2, 1)]);
        await node2.Raft.ExpectMsgAsync<PeerMessagesReceived>(timeout: Deadline);
        var listening = node1.Transport.EndPoint;

        await node1.DisposeAsync();

        Assert.True(node1.System.WhenStopped(peer).IsCompleted);
        await WaitUntilAsync(() => node2.Transport.ConnectedPeers.Count == 0, "node 2 saw the connection close");
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(listening));
        Assert.Throws<ObjectDisposedException>(() => node1.Transport.EnsurePeer(2, node2.Address));
    }

    [Fact]
    public async Task Dispose_after_the_actor_system_terminated_completes()
    {
        await using var node2 = Start(2);
        await using var node1 = Start(1);
        var peer = node1.Transport.EnsurePeer(2, node2.Address);
        await node1.System.Terminate();

        await node1.Transport.DisposeAsync();

        Assert.True(node1.System.WhenStopped(peer).IsCompletedSuccessfully);
    }
}
