using System.Net;
using RaftActors.Actors.Transport;
using RaftActors.Messages;
using RaftActors.Persistence;

namespace RaftActors.Actors.Runtime;

/// <summary>The peer now listens at <paramref name="Address"/> (<c>host:port</c>): reconnect there.</summary>
internal sealed record PeerAddressChanged(string Address);

/// <summary>
/// Close the connection, then stop: the way to stop a PeerActor. Closing here awaits the sender without
/// holding a thread, where a plain stop leaves it to the synchronous <c>PostStop</c>, which must block.
/// </summary>
internal sealed record ClosePeer
{
    public static readonly ClosePeer Instance = new();
}

/// <summary>
/// One remote peer, owning the one <see cref="PeerSender"/> (TCP connection) to it. Raft messages and forward
/// payloads go into the sender's queue in the order they arrive here, and the sender batches them into
/// frames. A Snapshot message is not sent as a message: its payload is streamed from the journal in chunks,
/// in the background, so the actor keeps passing heartbeats and appends to the sender during a long
/// transfer; the RaftActor learns the outcome from <see cref="SnapshotSendFinished"/>. Reachability changes
/// go to the RaftActor as <see cref="PeerReachabilityChanged"/>.
/// </summary>
internal sealed class PeerActor : ActorBase
{
    private readonly TransportOptions _options;
    private readonly ulong _peerId;
    private readonly IActorRef _raftActor;
    private readonly IJournal _journal;
    private readonly ITransportLog _log;
    private readonly TimeProvider? _time;
    private string _address;
    private PeerSender? _sender;

    // Cleared by the background task that finishes a transfer, hence not a plain field of the actor's loop.
    private int _snapshotInFlight;

    /// <param name="address">The peer's <c>host:port</c>; see <see cref="PeerAddress.Parse"/>. A bad one stops the actor at start.</param>
    /// <param name="timeProvider">The clock of the sender's timeouts and backoff; real time when null.</param>
    public PeerActor(TransportOptions options, ulong peerId, string address, IActorRef raftActor, IJournal journal, ITransportLog log,
        TimeProvider? timeProvider = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _peerId = peerId;
        _address = address ?? throw new ArgumentNullException(nameof(address));
        _raftActor = raftActor ?? throw new ArgumentNullException(nameof(raftActor));
        _journal = journal ?? throw new ArgumentNullException(nameof(journal));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _time = timeProvider;
    }

    protected override void PreStart() => _sender = StartSender(PeerAddress.Parse(_address));

    protected override void PostStop()
    {
        var sender = _sender;
        _sender = null;
        // PostStop is synchronous, and the connection must be closed once the actor counts as stopped (a
        // node that stops must not leave sockets behind). Disposal only cancels the sender's loop, whose
        // every wait observes that cancellation, so this blocks briefly; but it blocks a thread-pool thread
        // until the loop's continuation runs on another one, so several peers stopping at once can starve a
        // small pool for the half second it takes to grow. Hence the normal way to stop is ClosePeer, which
        // closes asynchronously first; this is the fallback of a restart or of a stop by the system.
        sender?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    protected override ValueTask OnReceiveAsync(object message)
    {
        switch (message)
        {
            case OutboundMessages outbound:
                Send(outbound.Messages);
                return ValueTask.CompletedTask;
            case OutboundForward forward:
                SendForward(forward.Payload);
                return ValueTask.CompletedTask;
            case PeerAddressChanged change:
                return ChangeAddressAsync(change.Address);
            case ClosePeer:
                return CloseAndStopAsync();
            default:
                Unhandled(message);
                return ValueTask.CompletedTask;
        }
    }

    private async ValueTask CloseAndStopAsync()
    {
        var sender = _sender;
        _sender = null;
        if (sender is not null) await sender.DisposeAsync().ConfigureAwait(false);
        Context.Stop(Self);
    }

    private PeerSender StartSender(EndPoint endPoint)
    {
        var raftActor = _raftActor;
        var sender = new PeerSender(_options, _peerId, endPoint,
            (peer, reachable) => raftActor.Tell(new PeerReachabilityChanged(peer, reachable)), _log, _time);
        sender.Start();
        return sender;
    }

    private void Send(IReadOnlyList<RaftMessage> messages)
    {
        foreach (var message in messages)
        {
            if (message.Type == MessageType.Snapshot)
            {
                SendSnapshot(message);
                continue;
            }
            try
            {
                // False means dropped (queue full, peer unreachable): Raft retransmits, nothing to do here.
                _sender!.Send(message);
            }
            catch (ArgumentException e)
            {
                // A message that may not go to this peer is a bug upstream; it must not cost the connection.
                _log.Log(TransportLogLevel.Error, $"refused a {message.Type} message for node {_peerId}: {e.Message}");
            }
        }
    }

    private void SendForward(byte[] payload)
    {
        try
        {
            _sender!.SendForward(payload);
        }
        catch (ArgumentException e)
        {
            _log.Log(TransportLogLevel.Error, $"refused a forward payload for node {_peerId}: {e.Message}");
        }
    }

    private async ValueTask ChangeAddressAsync(string address)
    {
        if (string.Equals(address, _address, StringComparison.Ordinal)) return;
        EndPoint endPoint;
        try
        {
            endPoint = PeerAddress.Parse(address);
        }
        catch (ArgumentException e)
        {
            _log.Log(TransportLogLevel.Error, $"kept node {_peerId} at {_address}: {e.Message}");
            return;
        }
        _log.Log(TransportLogLevel.Information, $"node {_peerId} moved from {_address} to {address}");
        var old = _sender;
        _sender = null;
        // Disposing fails a snapshot in flight on the old connection; its task reports it to the RaftActor.
        if (old is not null) await old.DisposeAsync().ConfigureAwait(false);
        _address = address;
        _sender = StartSender(endPoint);
    }

    private void SendSnapshot(RaftMessage message)
    {
        if (message.Snapshot is not { } wanted)
        {
            _log.Log(TransportLogLevel.Error, $"a Snapshot message for node {_peerId} carries no snapshot metadata");
            ReportSnapshot(failed: true);
            return;
        }
        if (Interlocked.CompareExchange(ref _snapshotInFlight, 1, 0) != 0)
        {
            // One transfer per peer: a second would compete for the same connection and for the receiver's
            // single open snapshot. Raft asks again after this report.
            _log.Log(TransportLogLevel.Information,
                $"snapshot at index {wanted.Metadata.Index} for node {_peerId} refused: another transfer to it is in progress");
            ReportSnapshot(failed: true);
            return;
        }
        JournalSnapshot? snapshot = null;
        try
        {
            snapshot = _journal.OpenSnapshot();
            var stored = snapshot?.Metadata;
            if (snapshot is null || stored!.Index != wanted.Metadata.Index || stored.Term != wanted.Metadata.Term)
            {
                // The journal moved on (a newer snapshot replaced it): Raft sends the newer one after this report.
                FinishSnapshot(failed: true, $"the journal holds snapshot {stored?.Index ?? 0} (term {stored?.Term ?? 0}), " +
                    $"not the requested {wanted.Metadata.Index} (term {wanted.Metadata.Term})");
                return;
            }
            var sending = _sender!.SendSnapshotAsync(message with { Snapshot = new Snapshot(stored) }, snapshot.Payload);
            _ = CompleteSnapshotAsync(sending, snapshot);
            snapshot = null;
        }
        catch (Exception e) when (e is JournalException or IOException or ObjectDisposedException or ArgumentException)
        {
            FinishSnapshot(failed: true, e.Message);
        }
        finally
        {
            snapshot?.Dispose();
        }
    }

    /// <summary>Waits for a transfer off the actor's loop; the snapshot's read view is held until it ends.</summary>
    private async Task CompleteSnapshotAsync(Task sending, JournalSnapshot snapshot)
    {
        string? error = null;
        try
        {
            await sending.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Whatever ended the transfer, Raft must hear that it failed or it never retries.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error = e.Message;
        }
        finally
        {
            snapshot.Dispose();
        }
        FinishSnapshot(error is not null, error ?? $"sent snapshot at index {snapshot.Metadata.Index}");
    }

    private void FinishSnapshot(bool failed, string detail)
    {
        _log.Log(failed ? TransportLogLevel.Warning : TransportLogLevel.Information,
            failed ? $"snapshot for node {_peerId} failed: {detail}" : $"node {_peerId}: {detail}");
        // Cleared before the report, so that a retry the report triggers is not refused as a second transfer.
        Volatile.Write(ref _snapshotInFlight, 0);
        ReportSnapshot(failed);
    }

    private void ReportSnapshot(bool failed) => _raftActor.Tell(new SnapshotSendFinished(_peerId, failed));
}
