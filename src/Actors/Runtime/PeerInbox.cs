using Akka.Actor;
using Microsoft.Extensions.Logging;
using RaftActors.Actors.Remote;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

internal sealed record PeerInboxSettings(NodeSettings Node, ulong LocalId, IActorRef RaftActor,
    Func<ulong, ReadOnlyMemory<byte>, ValueTask> OnForward, ILogger Logger);

/// <summary>
/// Where every frame from a peer arrives (<c>/user/raft-{id}/inbox</c>). It authenticates each one
/// (<see cref="PeerAuthenticator"/>) and drops, counts and logs anything forged, replayed, misdirected,
/// foreign or malformed, so that nothing unauthenticated reaches the RaftActor. Raft messages go to the
/// RaftActor, snapshot chunks are written to a staging file (<see cref="SnapshotReceiver"/>), forwarded
/// requests and answers to the node's forwarding handler.
/// A peer whose frames name another data identity than the one this node learned for it lost its data: its frames
/// are dropped and it is told so (<see cref="PeerPayloadKind.IdentityRefused"/>); a node told so about its own
/// identity stops (<see cref="NodeDataLostException"/>).
/// </summary>
#pragma warning disable CA1001 // The receiver is disposed in PostStop, the end of an actor's life.
internal sealed class PeerInbox : ReceiveActor
#pragma warning restore CA1001
{
    private readonly PeerInboxSettings _settings;
    private readonly SnapshotReceiver _snapshots;
    private readonly Dictionary<ulong, Address> _senders = [];
    private readonly Dictionary<ulong, long> _refusedAt = [];
    private long _dropped;
    private const int MaxLoggedKinds = 256;
    private readonly HashSet<(string Kind, Address Sender)> _loggedKinds = [];

    public PeerInbox(PeerInboxSettings settings)
    {
        _settings = settings;
        _snapshots = new SnapshotReceiver(Path.Combine(settings.Node.DataDirectory, SnapshotReceiver.FolderName), settings.RaftActor, settings.Logger,
            settings.LocalId);
        Receive<PeerFrame>(OnFrame);
    }

    public static Props CreateProps(PeerInboxSettings settings) => Props.Create(() => new PeerInbox(settings));

    protected override void PostStop() => _snapshots.Dispose();

    private void OnFrame(PeerFrame frame)
    {
        if (!_settings.Node.Authenticator.Open(frame, out var reason))
        {
            Drop(reason.ToString(), reason.ToString());
            return;
        }
        if (!_settings.Node.PeerIdentities.Admit(frame.From, frame.SenderIdentity, out var known))
        {
            Refuse(frame, known);
            return;
        }
        Learn(frame.From);
        try
        {
            switch (frame.Kind)
            {
                case PeerPayloadKind.IdentityRefused:
                    OnRefused(frame);
                    break;
                case PeerPayloadKind.RaftMessages:
                    var messages = PeerBodyCodec.DecodeRaftMessages(frame.Body.Span);
                    foreach (var m in messages)
                    {
                        // The envelope is authenticated; a message inside that claims another sender is not.
                        if (m.From != frame.From || m.To != _settings.LocalId)
                        {
                            Drop("inner sender", $"a message inside a frame from node {frame.From} claims to be from {m.From} to {m.To}");
                            return;
                        }
                    }
                    _settings.RaftActor.Tell(new PeerMessagesReceived(frame.From, messages));
                    break;
                case PeerPayloadKind.SnapshotChunk:
                    var ack = _snapshots.OnChunk(frame.From, PeerBodyCodec.DecodeSnapshotChunk(frame.Body.Span));
                    _settings.RaftActor.Tell(new OutboundForward(frame.From, PeerPayloadKind.SnapshotAck, PeerBodyCodec.Encode(ack)));
                    break;
                case PeerPayloadKind.SnapshotAck:
                    _settings.RaftActor.Tell(new SnapshotAckReceived(frame.From, PeerBodyCodec.DecodeSnapshotAck(frame.Body.Span)));
                    break;
                case PeerPayloadKind.ForwardRequest or PeerPayloadKind.ForwardResponse:
                    _ = _settings.OnForward(frame.From, frame.Body).AsTask();
                    break;
                case PeerPayloadKind.ForwardBatch:
                    // The whole batch is checked before any of it is handed on: a malformed one is dropped entire.
                    foreach (var forward in PeerBodyCodec.DecodeForwardBatch(frame.Body)) _ = _settings.OnForward(frame.From, forward).AsTask();
                    break;
                default:
                    Drop("unknown kind", $"unknown frame kind {(byte)frame.Kind}");
                    break;
            }
        }
        catch (CodecException e)
        {
            Drop("malformed body", $"malformed {frame.Kind} body: {e.Message}");
        }
    }

    /// <summary>Drops a frame from a peer that lost its data and tells it so, at most once a second per peer.</summary>
    private void Refuse(PeerFrame frame, ulong known)
    {
        Drop("identity", $"node {frame.From} shows data identity {frame.SenderIdentity:x16}, but this node knows it by {known:x16}: its data was lost");
        var now = Environment.TickCount64;
        if (_refusedAt.TryGetValue(frame.From, out var last) && now - last < 1000) return;
        _refusedAt[frame.From] = now;
        var body = new byte[sizeof(ulong)];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(body, frame.SenderIdentity);
        _settings.RaftActor.Tell(new OutboundForward(frame.From, PeerPayloadKind.IdentityRefused, body));
    }

    /// <summary>A peer refused our data identity: fail-stop, unless the refusal was about another start's identity.</summary>
    private void OnRefused(PeerFrame frame)
    {
        if (frame.Body.Length != sizeof(ulong)) throw new CodecException($"an identity refusal carries {frame.Body.Length} bytes, not 8");
        var refused = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(frame.Body.Span);
        if (refused != _settings.Node.Authenticator.LocalIdentity) return;
        // Thrown, so the guardian records the cause and stops the node.
        throw new NodeDataLostException(_settings.LocalId, frame.From);
    }

    /// <summary>Tells the RaftActor where an authenticated peer is, the first time and whenever it moves.</summary>
    private void Learn(ulong from)
    {
        var address = Sender.Path.Address;
        if (!address.HasGlobalScope) return;
        // Compared as an Address: no string is built for every frame, only when a sender moves.
        if (_senders.TryGetValue(from, out var known) && known.Equals(address)) return;
        _senders[from] = address;
        _settings.RaftActor.Tell(new PeerAddressLearned(from, address.ToString()));
    }

    /// <param name="kind">What went wrong, in a word: the first drop of each kind from each sender is logged.</param>
    /// <param name="reason">The whole story, for the log.</param>
    private void Drop(string kind, string reason)
    {
        _settings.Node.CountDroppedFrame();
        // Logged for the first drop of a kind from a sender, then at most once per 1,024 drops: a hostile sender must
        // not be able to flood the log, yet a new kind of drop is never hidden behind an old one's count (a link that
        // drops every frame after a restart must show in the log). The first-drop set is bounded against a sender
        // that keeps changing address.
        var sender = Sender.Path.Address;
        var first = _loggedKinds.Count < MaxLoggedKinds && _loggedKinds.Add((kind, sender));
        if (first || (_dropped & 1023) == 0) RaftActorLog.DroppedFrame(_settings.Logger, _settings.LocalId, sender.ToString(), reason);
        _dropped++;
    }
}
