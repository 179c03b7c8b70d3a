using System.Net;
using System.Threading.Channels;
using RaftActors.Messages;

namespace RaftActors.Actors.Transport;

/// <summary>
/// The one outbound connection to one peer. <see cref="Send"/> never blocks: it enqueues into a bounded
/// queue and drops (counted and logged) when the queue is full, because Raft tolerates lost messages and a
/// stalled peer must never stall the node. A background loop connects, authenticates, batches everything
/// queued into one frame per write, streams snapshots chunk by chunk, and reconnects with exponential
/// backoff and jitter. Reachability changes are reported so the runtime can tell Raft (MsgUnreachable).
/// </summary>
public sealed partial class PeerSender : IAsyncDisposable
{
    private readonly TransportOptions _options;
    private readonly Action<ulong, bool> _onReachabilityChanged;
    private readonly ITransportLog _log;
    private readonly TimeProvider _time;
    private readonly Channel<Outbound> _queue;
    private readonly Channel<SnapshotRequest> _snapshots = Channel.CreateUnbounded<SnapshotRequest>();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _reachable = -1;
    private int _overflowing;
    private int _started;
    private int _disposed;
    private long _messagesSent;
    private long _framesSent;
    private long _dropped;
    private long _snapshotsSent;
    private long _forwardsSent;

    /// <param name="onReachabilityChanged">
    /// Called with (peer id, reachable) on every change: true once a handshake succeeds, false when a connection
    /// attempt fails or an established connection is lost. Runs on the sender's loop; it must not block.
    /// </param>
    public PeerSender(TransportOptions options, ulong peerId, EndPoint address, Action<ulong, bool> onReachabilityChanged,
        ITransportLog? log = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfZero(peerId);
        if (peerId == options.NodeId) throw new ArgumentException("a node does not send to itself", nameof(peerId));
        _options = options;
        PeerId = peerId;
        Address = address ?? throw new ArgumentNullException(nameof(address));
        _onReachabilityChanged = onReachabilityChanged ?? throw new ArgumentNullException(nameof(onReachabilityChanged));
        _log = log ?? NullTransportLog.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _queue = Channel.CreateBounded<Outbound>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ulong PeerId { get; }
    public EndPoint Address { get; }

    /// <summary>True while an authenticated connection is up.</summary>
    public bool IsReachable => Volatile.Read(ref _reachable) == 1;

    public PeerSenderStats Stats => new(Interlocked.Read(ref _messagesSent), Interlocked.Read(ref _framesSent),
        Interlocked.Read(ref _dropped), Interlocked.Read(ref _snapshotsSent), Interlocked.Read(ref _forwardsSent));

    /// <summary>The largest payload <see cref="SendForward"/> accepts: what fits one frame after the kind byte.</summary>
    public int MaxForwardPayload => _options.MaxFrameSize - FrameCodec.ForwardOverhead;

    /// <summary>Starts connecting in the background. Messages sent before may wait in the queue.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Queues <paramref name="message"/> for the peer and returns at once. False when it was dropped because
    /// the queue is full or the sender is disposed. Throws <see cref="ArgumentException"/> for a message that
    /// may never go to this peer (wrong To/From, a local-only type): that is a caller bug, not a network fault.
    /// </summary>
    public bool Send(RaftMessage message)
    {
        CheckOutgoing(message);
        return Enqueue(new Outbound(message, null));
    }

    /// <summary>
    /// Queues an opaque application payload (request forwarding between nodes) for the peer and returns at
    /// once. It shares the message queue, so it goes out in order with the messages sent around it, each in
    /// its own Forward frame; it is dropped under the same conditions as a message (false). The peer's
    /// listener hands it to its <c>onForward</c> handler. The array must not be changed after the call.
    /// Throws <see cref="ArgumentException"/> when it exceeds <see cref="MaxForwardPayload"/>.
    /// </summary>
    public bool SendForward(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (payload.Length > MaxForwardPayload)
            throw new ArgumentException($"forward payload of {payload.Length} bytes exceeds the limit of {MaxForwardPayload} for node {PeerId}", nameof(payload));
        return Enqueue(new Outbound(null, payload));
    }

    /// <summary>Stops the loop, closes the connection and fails snapshots not yet sent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        FailQueuedSnapshots(new ObjectDisposedException(nameof(PeerSender)));
        _stop.Dispose();
    }

    private bool Enqueue(Outbound item)
    {
        if (_disposed == 0 && _queue.Writer.TryWrite(item)) return true;
        Drop(1, _disposed != 0 ? "sender disposed" : $"queue full ({_options.QueueCapacity} messages)");
        return false;
    }

    private void CheckOutgoing(RaftMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Type.IsLocal()) throw new ArgumentException($"{message.Type} is local-only and never crosses the wire", nameof(message));
        if (message.To != PeerId) throw new ArgumentException($"message to node {message.To} given to the sender for node {PeerId}", nameof(message));
        if (message.From != _options.NodeId) throw new ArgumentException($"message from node {message.From} but this is node {_options.NodeId}", nameof(message));
    }

    private void Drop(long count, string reason)
    {
        Interlocked.Add(ref _dropped, count);
        // One warning when an overflow starts, not one per message: a stalled peer would flood the log.
        var level = Interlocked.Exchange(ref _overflowing, 1) == 0 ? TransportLogLevel.Warning : TransportLogLevel.Debug;
        _log.Log(level, $"dropped {count} message(s) for node {PeerId}: {reason}");
    }

    /// <summary>One queued item: a Raft message, or a forward payload when <see cref="Message"/> is null.</summary>
    private readonly record struct Outbound(RaftMessage? Message, byte[]? Forward);

    private void SetReachable(bool reachable)
    {
        if (Interlocked.Exchange(ref _reachable, reachable ? 1 : 0) == (reachable ? 1 : 0)) return;
        _log.Log(reachable ? TransportLogLevel.Information : TransportLogLevel.Warning,
            $"node {PeerId} at {Address} is {(reachable ? "reachable" : "unreachable")}");
        try
        {
            _onReachabilityChanged(PeerId, reachable);
        }
#pragma warning disable CA1031 // A failing observer is the caller's bug; the sender must keep running.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.Log(TransportLogLevel.Error, $"reachability callback for node {PeerId} failed: {e}");
        }
    }
}
