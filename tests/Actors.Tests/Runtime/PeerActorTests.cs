using Akka.Actor;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;
using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// The PeerActor of node 1 (in the test's system) sending to node 2 (another ActorSystem) over Akka.Remote: sealed
/// frames, batches split below the frame limit, order with forwarded frames, snapshot streaming with its window,
/// its acknowledgements and its failures, address changes and reachability.
/// </summary>
public sealed class PeerActorTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong LocalNode = 1;
    private static readonly ConfState Voters = new([1, 2, 3]);

    private readonly string _data = Directory.CreateTempSubdirectory("raftactors-peer-actor-").FullName;
    private readonly NodeSettings _node;
    private readonly PeerTestNode _node2;
    private readonly List<ActorSystem> _systems = [];

    public PeerActorTests(ITestOutputHelper output)
        : base(PeerTestNode.Configuration, "raft", output)
    {
        _node = new NodeSettings
        {
            System = Sys,
            PersistenceId = "raft-peer-actor-tests-1",
            AdvertisedAddress = PeerPaths.LocalHostPort(Sys),
            DataDirectory = _data,
            Authenticator = new PeerAuthenticator(PeerTestNode.ClusterId, PeerTestNode.Secret, LocalNode),
            MaxFrameBodyBytes = 4_000,
            SnapshotChunkBytes = 16 * 1024,
            SnapshotChunksInFlight = 2,
        };
        _node2 = StartNode(2);
    }

    protected override void AfterAll()
    {
        foreach (var system in _systems) Shutdown(system);
        base.AfterAll();
        Directory.Delete(_data, recursive: true);
    }

    private PeerTestNode StartNode(ulong id)
    {
        var node = PeerTestNode.Start(this, id);
        _systems.Add(node.System);
        return node;
    }

    /// <summary>A probe for the RaftActor; reachability reports are left out unless a test is about them.</summary>
    private TestProbe RaftProbe(bool withReachability = false)
    {
        var probe = CreateTestProbe();
        if (!withReachability) probe.IgnoreMessages<PeerReachabilityChanged>();
        return probe;
    }

    private IActorRef Peer(TestProbe raft, PeerTestNode? to = null, string? address = null)
    {
        to ??= _node2;
        return Sys.ActorOf(PeerActor.CreateProps(new PeerActorSettings(_node, LocalNode, to.Id, address ?? to.Address, raft.Ref, NullLogger.Instance)));
    }

    private static RaftMessage Heartbeat(ulong term, ulong to = 2) => new() { Type = MessageType.Heartbeat, From = LocalNode, To = to, Term = term };

    private static RaftMessage Append(ulong index, int dataSize) => new()
    {
        Type = MessageType.Append, From = LocalNode, To = 2, Term = 1, Index = index - 1, LogTerm = 1,
        Entries = [new Entry(1, index, EntryType.Normal, new byte[dataSize])],
    };

    /// <summary>Stores a snapshot payload of <paramref name="size"/> pseudo-random bytes as the RaftActor does, and the message that sends it.</summary>
    private (OutboundSnapshot Outbound, byte[] Payload) Snapshot(ulong index, int size, int seed = 1, ulong to = 2)
    {
        var payload = new byte[size];
        new Random(seed).NextBytes(payload);
        var staged = Path.Combine(_data, $"staged-{Guid.NewGuid():N}");
        File.WriteAllBytes(staged, payload);
        var meta = new SnapshotMetadata(index, 2, Voters);
        var reference = SnapshotFiles.Adopt(_node, meta, staged);
        var message = new RaftMessage { Type = MessageType.Snapshot, From = LocalNode, To = to, Term = 2, Snapshot = new Snapshot(meta) };
        return (new OutboundSnapshot(message, SnapshotFiles.PathOf(_node, reference), reference), payload);
    }

    private static SnapshotAckReceived Ack(SnapshotChunk chunk, long nextOffset, bool abort = false) =>
        new(2, new SnapshotAck(chunk.TransferId, nextOffset, abort, abort ? "refused by the test" : ""));

    private static long End(SnapshotChunk chunk) => chunk.Offset + chunk.Data.Length;

    [Fact]
    public async Task Frames_arrive_sealed_for_the_peer_and_open_with_its_authenticator()
    {
        var peer = Peer(RaftProbe());

        peer.Tell(new OutboundMessages([Heartbeat(1), Heartbeat(2), Heartbeat(3)]));

        var frame = await _node2.Inbox.ExpectMsgAsync<PeerFrame>();
        Assert.Equal((LocalNode, 2UL, PeerPayloadKind.RaftMessages), (frame.From, frame.To, frame.Kind));
        // Only node 2 of this cluster opens it, once.
        Assert.False(new PeerAuthenticator(PeerTestNode.ClusterId, PeerTestNode.Secret, 3).Open(frame, out var wrongReceiver));
        Assert.Equal(PeerDropReason.WrongReceiver, wrongReceiver);
        Assert.False(new PeerAuthenticator(PeerTestNode.ClusterId, "another-cluster-secret"u8, 2).Open(frame, out var badMac));
        Assert.Equal(PeerDropReason.BadMac, badMac);
        Assert.True(_node2.Authenticator.Open(frame, out _));
        Assert.False(_node2.Authenticator.Open(frame, out var replayed));
        Assert.Equal(PeerDropReason.Replayed, replayed);
        // One frame for the batch, in order, from node 1's system (the inbox learns the peer's address from it).
        Assert.Equal([1UL, 2, 3], PeerBodyCodec.DecodeRaftMessages(frame.Body.Span).Select(m => m.Term));
        Assert.Equal(((ExtendedActorSystem)Sys).Provider.DefaultAddress, _node2.Inbox.LastSender.Path.Address);
    }

    [Fact]
    public async Task A_batch_beyond_the_frame_limit_is_split_into_frames_below_it_in_order()
    {
        var peer = Peer(RaftProbe());
        var batch = Enumerable.Range(1, 10).Select(i => Append((ulong)i, 1_000)).ToArray();

        peer.Tell(new OutboundMessages(batch));

        var frames = new List<PeerFrame>();
        var received = new List<RaftMessage>();
        while (received.Count < batch.Length)
        {
            var frame = await _node2.ExpectFrameAsync(PeerPayloadKind.RaftMessages);
            frames.Add(frame);
            received.AddRange(PeerBodyCodec.DecodeRaftMessages(frame.Body.Span));
        }
        Assert.True(frames.Count > 1, "a 10 KB batch fits no 4,000-byte frame");
        Assert.All(frames, f => Assert.InRange(f.Body.Length, 1, _node.MaxFrameBodyBytes));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), received.Select(m => m.Entries.Single().Index));
        await _node2.Inbox.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Forward_and_messages_told_to_the_actor_keep_their_order()
    {
        var peer = Peer(RaftProbe());

        peer.Tell(new OutboundMessages([Heartbeat(1)]));
        peer.Tell(new OutboundForward(2, PeerPayloadKind.ForwardRequest, [42]));
        peer.Tell(new OutboundMessages([Heartbeat(2)]));
        peer.Tell(new OutboundForward(2, PeerPayloadKind.ForwardResponse, [43]));

        Assert.Equal(1UL, (await _node2.ExpectMessagesAsync()).Single().Term);
        Assert.Equal([42], (await _node2.ExpectFrameAsync(PeerPayloadKind.ForwardRequest)).Body.ToArray());
        Assert.Equal(2UL, (await _node2.ExpectMessagesAsync()).Single().Term);
        Assert.Equal([43], (await _node2.ExpectFrameAsync(PeerPayloadKind.ForwardResponse)).Body.ToArray());
    }

    [Fact]
    public async Task Forwards_told_together_leave_in_one_batch_frame_in_order_and_a_lone_one_in_its_own_frame()
    {
        var peer = Peer(RaftProbe());
        byte[][] told = [ForwardCodec.Encode(new ForwardResponse(1, null, "", [1])), ForwardCodec.Encode(new ForwardResponse(2, null, "", [2])),
            ForwardCodec.Encode(new ForwardResponse(3, null, "", [3]))];

        foreach (var body in told) peer.Tell(new OutboundForward(2, PeerPayloadKind.ForwardResponse, body));

        var batch = await _node2.ExpectFrameAsync(PeerPayloadKind.ForwardBatch);
        Assert.Equal(told, PeerBodyCodec.DecodeForwardBatch(batch.Body).Select(f => f.ToArray()));

        peer.Tell(new OutboundForward(2, PeerPayloadKind.ForwardRequest, [42]));
        Assert.Equal([42], (await _node2.ExpectFrameAsync(PeerPayloadKind.ForwardRequest)).Body.ToArray());
    }

    [Fact]
    public async Task A_snapshot_is_streamed_in_chunks_with_at_most_the_window_unacknowledged_and_finishes_on_the_last_ack()
    {
        var raft = RaftProbe();
        var peer = Peer(raft);
        var (outbound, payload) = Snapshot(index: 30, size: 5 * 16 * 1024 + 1_000);

        peer.Tell(outbound);

        // The window: two chunks, then nothing until one is acknowledged.
        var chunks = new List<SnapshotChunk> { await _node2.ExpectChunkAsync(), await _node2.ExpectChunkAsync() };
        await _node2.Inbox.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        var first = chunks[0];
        Assert.Equal(0, first.Offset);
        Assert.Equal(outbound.Reference.Metadata, first.Header!.Snapshot!.Metadata);
        Assert.Empty(first.Header.Snapshot.Data);
        Assert.Null(chunks[1].Header);

        // Each acknowledged chunk lets exactly one more go.
        var acked = 0;
        while (!chunks[^1].Last)
        {
            peer.Tell(Ack(chunks[acked], End(chunks[acked])));
            acked++;
            chunks.Add(await _node2.ExpectChunkAsync());
            Assert.Equal(2, chunks.Count - acked);
        }
        await _node2.Inbox.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal(6, chunks.Count);
        Assert.All(chunks, c => Assert.Equal(first.TransferId, c.TransferId));
        Assert.Equal(payload, chunks.SelectMany(c => c.Data).ToArray());
        Assert.Equal(outbound.Reference.Crc, chunks[^1].PayloadCrc);

        // Sent is not received: the transfer finishes when the receiver has stored the last byte.
        peer.Tell(Ack(chunks[^2], End(chunks[^2])));
        await raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        peer.Tell(Ack(chunks[^1], payload.Length));
        Assert.Equal(new SnapshotSendFinished(2, Failed: false), await raft.ExpectMsgAsync<SnapshotSendFinished>());
    }

    [Fact]
    public async Task Snapshot_fails_on_an_abort_ack_and_the_next_one_starts_afresh()
    {
        var raft = RaftProbe();
        var peer = Peer(raft);
        var (outbound, _) = Snapshot(index: 30, size: 3 * 16 * 1024);
        peer.Tell(outbound);
        var first = await _node2.ExpectChunkAsync();
        await _node2.ExpectChunkAsync();

        // Acknowledgements of another transfer, or ones that go backwards or beyond what was sent, change nothing.
        peer.Tell(new SnapshotAckReceived(2, new SnapshotAck(first.TransferId + 1, 0, Abort: true, "not this one")));
        peer.Tell(Ack(first, 3 * 16 * 1024));
        peer.Tell(Ack(first, 0));
        await raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        await _node2.Inbox.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(10));

        peer.Tell(Ack(first, 0, abort: true));

        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await raft.ExpectMsgAsync<SnapshotSendFinished>());
        // Aborted means no more chunks, even when acknowledged after.
        peer.Tell(Ack(first, End(first)));
        await _node2.Inbox.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        peer.Tell(outbound);
        var again = await _node2.ExpectChunkAsync();
        Assert.Equal(0, again.Offset);
        Assert.NotEqual(first.TransferId, again.TransferId);
    }

    [Fact]
    public async Task Snapshot_whose_payload_does_not_match_its_reference_is_reported_failed_at_once()
    {
        var raft = RaftProbe();
        var peer = Peer(raft);
        var (outbound, payload) = Snapshot(index: 30, size: 20_000);
        var path = outbound.PayloadPath;

        var flipped = payload.ToArray();
        flipped[10_000] ^= 1;
        await File.WriteAllBytesAsync(path, flipped);
        peer.Tell(outbound);
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await raft.ExpectMsgAsync<SnapshotSendFinished>());

        await File.WriteAllBytesAsync(path, payload[..^1]);
        peer.Tell(outbound);
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await raft.ExpectMsgAsync<SnapshotSendFinished>());

        File.Delete(path);
        peer.Tell(outbound);
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await raft.ExpectMsgAsync<SnapshotSendFinished>());
        await _node2.Inbox.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        // Nothing stays marked in flight after a refusal: the intact payload goes through.
        await File.WriteAllBytesAsync(path, payload);
        peer.Tell(outbound);
        var chunk = await _node2.ExpectChunkAsync();
        var last = await _node2.ExpectChunkAsync();
        Assert.Equal(payload, chunk.Data.Concat(last.Data).ToArray());
        peer.Tell(Ack(last, payload.Length));
        Assert.Equal(new SnapshotSendFinished(2, Failed: false), await raft.ExpectMsgAsync<SnapshotSendFinished>());
    }

    [Fact]
    public async Task Second_snapshot_while_one_is_in_flight_is_reported_failed_and_the_first_fails_when_the_peer_goes()
    {
        var raft = RaftProbe();
        var peer = Peer(raft);
        var (outbound, _) = Snapshot(index: 10, size: 4_096);
        peer.Tell(outbound);
        await _node2.ExpectChunkAsync(); // in flight: never acknowledged

        peer.Tell(outbound);
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await raft.ExpectMsgAsync<SnapshotSendFinished>());
        await _node2.Inbox.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        // The RaftActor stops a removed peer's actor: the transfer it had going is reported, not left pending.
        Watch(peer);
        Sys.Stop(peer);
        await ExpectTerminatedAsync(peer);
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await raft.ExpectMsgAsync<SnapshotSendFinished>());
    }

    [Fact]
    public async Task Snapshot_in_flight_fails_when_the_peer_moves_and_the_next_one_goes_to_the_new_address()
    {
        var moved = StartNode(2);
        var raft = RaftProbe();
        var peer = Peer(raft);
        var (outbound, payload) = Snapshot(index: 20, size: 20_000);
        peer.Tell(outbound);
        await _node2.ExpectChunkAsync();
        await _node2.ExpectChunkAsync(); // all sent, none acknowledged: in flight

        peer.Tell(new PeerAddressChanged(moved.Address));

        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await raft.ExpectMsgAsync<SnapshotSendFinished>());
        peer.Tell(outbound);
        var first = await moved.ExpectChunkAsync();
        var last = await moved.ExpectChunkAsync();
        Assert.Equal(payload, first.Data.Concat(last.Data).ToArray());
        peer.Tell(Ack(last, payload.Length));
        Assert.Equal(new SnapshotSendFinished(2, Failed: false), await raft.ExpectMsgAsync<SnapshotSendFinished>());
        peer.Tell(new OutboundMessages([Heartbeat(5)]));
        Assert.Equal(5UL, (await moved.ExpectMessagesAsync()).Single().Term);
        await _node2.Inbox.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task An_unusable_address_leaves_the_peer_where_it_was()
    {
        var peer = Peer(RaftProbe());

        peer.Tell(new PeerAddressChanged("not an address"));
        peer.Tell(new OutboundMessages([Heartbeat(7)]));

        Assert.Equal(7UL, (await _node2.ExpectMessagesAsync()).Single().Term);
    }

    [Fact]
    public async Task Reachability_follows_the_association_with_the_peer()
    {
        var raft = RaftProbe(withReachability: true);
        var peer = Peer(raft);

        // Akka.Remote associates on the first message; the PeerActor reports it, and never watches the peer.
        peer.Tell(new OutboundMessages([Heartbeat(1)]));
        await _node2.ExpectMessagesAsync();
        Assert.Equal(new PeerReachabilityChanged(2, true), await raft.ExpectMsgAsync<PeerReachabilityChanged>());

        await _node2.System.Terminate();

        Assert.Equal(new PeerReachabilityChanged(2, false), await raft.FishForMessageAsync<PeerReachabilityChanged>(_ => true));
        await raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }
}
