using Akka.Actor;
using Akka.Remote;
using Microsoft.Extensions.Logging;
using RaftActors.Actors.Remote;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>The peer now listens at <paramref name="Address"/>: send there.</summary>
internal sealed record PeerAddressChanged(string Address);

internal sealed record PeerActorSettings(NodeSettings Node, ulong LocalId, ulong PeerId, string Address, IActorRef RaftActor, ILogger Logger);

/// <summary>
/// One remote peer. Seals what the RaftActor sends it into authenticated <see cref="PeerFrame"/>s and tells them
/// to the peer's inbox over Akka.Remote, in order: Raft messages (one frame per batch the RaftActor hands over,
/// split to stay below the frame limit), forwarded requests and snapshot acknowledgements. A snapshot is
/// streamed from its payload file in chunks, a few unacknowledged at a time (flow control), so heartbeats and
/// appends keep passing during a long transfer. It never watches the peer (remote DeathWatch quarantines live
/// peers); reachability comes from Akka.Remote's association events.
/// </summary>
internal sealed class PeerActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan SnapshotAckTimeout = TimeSpan.FromSeconds(10);
    private readonly PeerActorSettings _settings;
    private readonly PeerAuthenticator _auth;
    private ICanTell _inbox = null!;
    private Address? _remote;
    private bool? _reachable;
    private OutgoingSnapshot? _snapshot;
    private readonly List<(PeerPayloadKind Kind, byte[] Body)> _forwards = [];
    private long _forwardBytes;
    private static long s_transfers = DateTime.UtcNow.Ticks;

    public PeerActor(PeerActorSettings settings)
    {
        _settings = settings;
        _auth = settings.Node.Authenticator;
        Target(settings.Address);

        Receive<OutboundMessages>(outbound => SendMessages(outbound.Messages));
        Receive<OutboundForward>(OnForward);
        Receive<ForwardsDue>(_ => FlushForwards());
        Receive<OutboundSnapshot>(StartSnapshot);
        Receive<SnapshotAckReceived>(ack => OnSnapshotAck(ack.Ack));
        Receive<SnapshotAckTimedOut>(timedOut => OnSnapshotTimeout(timedOut.TransferId));
        Receive<PeerAddressChanged>(changed => Target(changed.Address));
        Receive<AssociatedEvent>(e => OnAssociation(e.RemoteAddress, true));
        Receive<DisassociatedEvent>(e => OnAssociation(e.RemoteAddress, false));
        Receive<AssociationErrorEvent>(e => OnAssociation(e.RemoteAddress, false));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props CreateProps(PeerActorSettings settings) => Props.Create(() => new PeerActor(settings));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(AssociatedEvent));
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        Context.System.EventStream.Subscribe(Self, typeof(AssociationErrorEvent));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        FlushForwards();
        if (_snapshot is not null) FinishSnapshot(failed: true, "the peer actor stopped");
    }

    private void Target(string address)
    {
        string path;
        try
        {
            path = PeerPaths.InboxPath(Context.System, address, _settings.PeerId);
        }
        catch (ArgumentException e)
        {
            Note($"kept node {_settings.PeerId} where it was: {e.Message}");
            if (_inbox is null) _inbox = Context.ActorSelection(PeerPaths.Unreachable);
            return;
        }
        var selection = Context.ActorSelection(path);
        _remote = selection.Anchor.Path.Address.HasGlobalScope ? selection.Anchor.Path.Address : null;
        // A remote inbox is told through a ref made from its path, which names no actor incarnation: the receiving
        // system looks the path up for every message, so a restarted peer's new inbox gets them, as with a selection.
        // Unlike a selection, no selection envelope (path elements, wrapped payload) is serialized with every frame
        // and walked on arrival. A peer in this same system keeps the selection: a local ref would be resolved now.
        _inbox = _remote is null ? selection : ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(path);
        _reachable = null;
        if (_snapshot is not null) FinishSnapshot(failed: true, "the peer moved to another address");
    }

    private void OnAssociation(Address remote, bool up)
    {
        if (_remote is null || !remote.Equals(_remote) || _reachable == up) return;
        _reachable = up;
        _settings.RaftActor.Tell(new PeerReachabilityChanged(_settings.PeerId, up));
    }

    private void SendMessages(IReadOnlyList<RaftMessage> messages)
    {
        // One frame per batch while it fits; a batch beyond the frame limit is split (a single message larger
        // than the limit is refused at propose time, so it never reaches here).
        var limit = _settings.Node.MaxFrameBodyBytes;
        var start = 0;
        long size = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            var estimate = EstimateSize(messages[i]);
            if (i > start && size + estimate > limit)
            {
                SendRaftMessages(Slice(messages, start, i));
                start = i;
                size = 0;
            }
            size += estimate;
        }
        SendRaftMessages(start == 0 ? messages : Slice(messages, start, messages.Count));
    }

    private void SendRaftMessages(IReadOnlyList<RaftMessage> messages)
    {
        // The body is sealed from a rented buffer: the frame is the one array the batch's encoding makes.
        var body = EncodeBuffers.Rent();
        PeerBodyCodec.EncodeRaftMessages(messages, body);
        SendFrame(PeerPayloadKind.RaftMessages, body.WrittenSpan);
        EncodeBuffers.Return(body);
    }

    private void Note(string message) => RaftActorLog.Peer(_settings.Logger, _settings.LocalId, message);

    private static long EstimateSize(RaftMessage message)
    {
        long size = 64;
        foreach (var entry in message.Entries) size += entry.Size + 8;
        return size + message.Context.Length;
    }

    private static RaftMessage[] Slice(IReadOnlyList<RaftMessage> messages, int from, int to)
    {
        var slice = new RaftMessage[to - from];
        for (var i = from; i < to; i++) slice[i - from] = messages[i];
        return slice;
    }

    /// <summary>
    /// Forwarded requests and responses wait for the end of the mailbox's current run (a <see cref="ForwardsDue"/>
    /// told to self) and leave together, one frame for all: a follower under load forwards many requests at once and
    /// its leader answers many at once, and each Akka.Remote message has a cost of its own. Any other frame flushes
    /// them first, so frames keep the order they were told in.
    /// </summary>
    private void OnForward(OutboundForward forward)
    {
        if (forward.Kind is not (PeerPayloadKind.ForwardRequest or PeerPayloadKind.ForwardResponse))
        {
            SendFrame(forward.Kind, forward.Body);
            return;
        }
        // Length prefixes and the batch header fit in the margin below the frame limit.
        if (_forwards.Count > 0 && _forwardBytes + forward.Body.Length + 16 > _settings.Node.MaxFrameBodyBytes) FlushForwards();
        if (_forwards.Count == 0) Self.Tell(ForwardsDue.Instance);
        _forwards.Add((forward.Kind, forward.Body));
        _forwardBytes += forward.Body.Length + 16;
    }

    private void FlushForwards()
    {
        if (_forwards.Count == 0) return;
        var frame = _forwards.Count == 1
            ? _auth.Seal(_settings.PeerId, _forwards[0].Kind, _forwards[0].Body)
            : _auth.Seal(_settings.PeerId, PeerPayloadKind.ForwardBatch, PeerBodyCodec.EncodeForwardBatch(_forwards.ConvertAll(f => f.Body)));
        _forwards.Clear();
        _forwardBytes = 0;
        _inbox.Tell(frame, Self);
    }

    private void SendFrame(PeerPayloadKind kind, ReadOnlySpan<byte> body)
    {
        FlushForwards();
        _inbox.Tell(_auth.Seal(_settings.PeerId, kind, body), Self);
    }

    private void StartSnapshot(OutboundSnapshot outbound)
    {
        if (_snapshot is not null)
        {
            // One transfer per peer: Raft asks again after this report.
            _settings.RaftActor.Tell(new SnapshotSendFinished(_settings.PeerId, Failed: true));
            return;
        }
        FileStream file;
        try
        {
            SnapshotFiles.Verify(outbound.PayloadPath, outbound.Reference);
            file = new FileStream(outbound.PayloadPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Note($"cannot send snapshot {outbound.Reference.Metadata.Index} to node {_settings.PeerId}: {e.Message}");
            _settings.RaftActor.Tell(new SnapshotSendFinished(_settings.PeerId, Failed: true));
            return;
        }
        var header = outbound.Message.Snapshot is { } s ? outbound.Message with { Snapshot = new Snapshot(s.Metadata) } : outbound.Message;
        _snapshot = new OutgoingSnapshot((ulong)Interlocked.Increment(ref s_transfers), header, file, outbound.Reference);
        Note(
            $"streaming snapshot {outbound.Reference.Metadata.Index} ({outbound.Reference.Length} bytes) to node {_settings.PeerId}");
        PumpSnapshot();
    }

    /// <summary>Sends chunks until the window is full or the payload is all sent.</summary>
    private void PumpSnapshot()
    {
        var transfer = _snapshot!;
        var window = (long)_settings.Node.SnapshotChunksInFlight * _settings.Node.SnapshotChunkBytes;
        while (!transfer.AllSent && transfer.SentTo - transfer.AckedTo < window)
        {
            var buffer = new byte[(int)Math.Min(_settings.Node.SnapshotChunkBytes, transfer.Reference.Length - transfer.SentTo)];
            transfer.File.ReadExactly(buffer);
            var offset = transfer.SentTo;
            transfer.SentTo += buffer.Length;
            var last = transfer.SentTo == transfer.Reference.Length;
            var chunk = new SnapshotChunk(transfer.Id, offset == 0 ? transfer.Header : null, offset, buffer, last, last ? transfer.Reference.Crc : 0);
            SendFrame(PeerPayloadKind.SnapshotChunk, PeerBodyCodec.Encode(chunk));
            if (last) transfer.AllSent = true;
        }
        Timers.StartSingleTimer("snapshot-ack", new SnapshotAckTimedOut(transfer.Id), SnapshotAckTimeout);
    }

    private void OnSnapshotAck(SnapshotAck ack)
    {
        if (_snapshot is not { } transfer || ack.TransferId != transfer.Id) return;
        if (ack.Abort)
        {
            FinishSnapshot(failed: true, $"node {_settings.PeerId} aborted it: {ack.Reason}");
            return;
        }
        // An empty payload is acknowledged at offset 0, which is also where a transfer starts.
        var finalOfEmpty = transfer.Reference.Length == 0 && transfer.AllSent && ack.NextOffset == 0;
        if (!finalOfEmpty && (ack.NextOffset <= transfer.AckedTo || ack.NextOffset > transfer.SentTo)) return;
        transfer.AckedTo = ack.NextOffset;
        if (transfer.AckedTo == transfer.Reference.Length)
        {
            FinishSnapshot(failed: false, $"sent snapshot {transfer.Reference.Metadata.Index} to node {_settings.PeerId}");
            return;
        }
        PumpSnapshot();
    }

    private void OnSnapshotTimeout(ulong transferId)
    {
        if (_snapshot?.Id == transferId) FinishSnapshot(failed: true, $"node {_settings.PeerId} acknowledged nothing for {SnapshotAckTimeout.TotalSeconds} s");
    }

    private void FinishSnapshot(bool failed, string detail)
    {
        var transfer = _snapshot!;
        _snapshot = null;
        transfer.File.Dispose();
        Timers.Cancel("snapshot-ack");
        Note(failed ? $"snapshot transfer failed: {detail}" : detail);
        _settings.RaftActor.Tell(new SnapshotSendFinished(_settings.PeerId, failed));
    }

    private sealed class OutgoingSnapshot(ulong id, RaftMessage header, FileStream file, Journal.SnapshotReference reference)
    {
        public ulong Id { get; } = id;
        public RaftMessage Header { get; } = header;
        public FileStream File { get; } = file;
        public Journal.SnapshotReference Reference { get; } = reference;
        public long SentTo { get; set; }
        public long AckedTo { get; set; }
        public bool AllSent { get; set; }
    }

    private sealed record SnapshotAckTimedOut(ulong TransferId);

    private sealed class ForwardsDue
    {
        public static readonly ForwardsDue Instance = new();
    }
}
