using System.Diagnostics.CodeAnalysis;
using System.Net;
using RaftActors.Actors.Transport;
using RaftActors.Messages;
using RaftActors.Persistence;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// A node's side of the network: the <see cref="PeerListener"/> on its listen address, whose batches go to
/// the RaftActor as <see cref="PeerMessagesReceived"/>, whose snapshots land in <see cref="SnapshotStaging"/>
/// and whose forward payloads go to the node's handler; and one <see cref="PeerActor"/> per remote peer,
/// created and stopped here by peer id. It is the RaftActor's <see cref="IPeerRouter"/>. Thread-safe: the
/// RaftActor routes messages through it while the node changes the set of peers.
/// </summary>
internal sealed class NodeTransport : INodeNetwork
{
    private readonly TransportOptions _options;
    private readonly ActorSystem _system;
    private readonly IActorRef _raftActor;
    private readonly IJournal _journal;
    private readonly ITransportLog _log;
    private readonly TimeProvider _time;
    private readonly PeerListener _listener;
    private readonly Dictionary<ulong, Peer> _peers = [];
    private long _generation;
    private bool _disposed;

    /// <param name="listenEndPoint">Where peers connect; port 0 for any free port (see <see cref="PeerAddress.ParseListen"/>).</param>
    /// <param name="raftActor">Receives messages, snapshots, reachability changes and snapshot outcomes. May be a deferred ref wired later.</param>
    /// <param name="dataDirectory">The node's folder; inbound snapshots are staged in its <c>snapshots-incoming</c> subfolder.</param>
    /// <param name="journal">Where the PeerActors read the snapshots they stream.</param>
    /// <param name="onForward">
    /// Receives each forward payload with the sending node's id. The memory is valid only until the returned
    /// task completes; an exception closes that peer's connection.
    /// </param>
    /// <param name="timeProvider">The clock of connect and handshake timeouts and reconnect backoff.</param>
    public NodeTransport(TransportOptions options, IPEndPoint listenEndPoint, IActorRef raftActor, string dataDirectory, ActorSystem system,
        IJournal journal, Func<ulong, ReadOnlyMemory<byte>, ValueTask> onForward, ITransportLog? log = null, TimeProvider? timeProvider = null,
        long maxInboundSnapshotBytes = SnapshotStaging.DefaultMaxSnapshotBytes)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(listenEndPoint);
        ArgumentNullException.ThrowIfNull(onForward);
        options.Validate();
        _options = options;
        _system = system ?? throw new ArgumentNullException(nameof(system));
        _raftActor = raftActor ?? throw new ArgumentNullException(nameof(raftActor));
        _journal = journal ?? throw new ArgumentNullException(nameof(journal));
        _log = log ?? NullTransportLog.Instance;
        _time = timeProvider ?? TimeProvider.System;
        Staging = new SnapshotStaging(dataDirectory, raftActor, maxInboundSnapshotBytes, _log);
        _listener = new PeerListener(options, listenEndPoint,
            (from, messages, _) =>
            {
                raftActor.Tell(new PeerMessagesReceived(from, messages));
                return ValueTask.CompletedTask;
            },
            Staging, _log, _time, onForward: (from, payload, _) => onForward(from, payload));
    }

    public SnapshotStaging Staging { get; }

    /// <summary>The bound listen address; after <see cref="StartAsync"/> it carries the actual port when 0 was asked for.</summary>
    public IPEndPoint EndPoint => _listener.EndPoint;

    public int BoundPort => _listener.EndPoint.Port;

    /// <summary><see cref="EndPoint"/> as <c>host:port</c> text, the form peers are configured with.</summary>
    public string ListenAddress => PeerAddress.Format(_listener.EndPoint);

    /// <summary>Peers with an authenticated inbound connection right now.</summary>
    public IReadOnlyCollection<ulong> ConnectedPeers => _listener.ConnectedPeers;

    /// <summary>Binds the listen address and starts accepting peers. Throws <see cref="System.Net.Sockets.SocketException"/> if it is taken.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _listener.Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The PeerActor of <paramref name="peerId"/>, started if there was none; an existing one whose address
    /// differs is told to reconnect to <paramref name="address"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The address is not <c>host:port</c>, or the id is 0 or this node's.</exception>
    public IActorRef EnsurePeer(ulong peerId, string address)
    {
        if (peerId == 0 || peerId == _options.NodeId) throw new ArgumentException($"node {peerId} cannot be a peer of node {_options.NodeId}", nameof(peerId));
        PeerAddress.Parse(address);
        lock (_peers)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_peers.TryGetValue(peerId, out var existing))
            {
                if (!string.Equals(existing.Address.Value, address, StringComparison.Ordinal))
                {
                    // Updated first: if the actor restarts, its factory reads the new address.
                    existing.Address.Value = address;
                    existing.Ref.Tell(new PeerAddressChanged(address));
                }
                return existing.Ref;
            }
            var current = new CurrentAddress(address);
            var (options, raftActor, journal, log, time) = (_options, _raftActor, _journal, _log, _time);
            // A generation in the name: a removed peer's actor may still be stopping when the peer comes back.
            var name = FormattableString.Invariant($"peer-{peerId}-{++_generation}");
            var actor = _system.ActorOf(Props.Create(() => new PeerActor(options, peerId, current.Value, raftActor, journal, log, time)), name);
            _peers[peerId] = new Peer(actor, current);
            return actor;
        }
    }

    /// <summary>Stops the PeerActor of <paramref name="peerId"/> (closing its connection); false when there was none.</summary>
    public bool RemovePeer(ulong peerId)
    {
        Peer? peer;
        lock (_peers)
        {
            if (!_peers.Remove(peerId, out peer)) return false;
        }
        peer.Ref.Tell(ClosePeer.Instance);
        return true;
    }

    public bool TryGetPeer(ulong peerId, [NotNullWhen(true)] out IActorRef? peer)
    {
        lock (_peers)
        {
            peer = _peers.TryGetValue(peerId, out var p) ? p.Ref : null;
            return peer is not null;
        }
    }

    /// <summary>The ids of the peers that have a PeerActor.</summary>
    public IReadOnlyCollection<ulong> PeerIds
    {
        get
        {
            lock (_peers) return [.. _peers.Keys];
        }
    }

    /// <summary>The peers that have a PeerActor, with their addresses.</summary>
    public IReadOnlyDictionary<ulong, string> Peers
    {
        get
        {
            lock (_peers) return _peers.ToDictionary(p => p.Key, p => p.Value.Address.Value);
        }
    }

    /// <summary>Raft messages for <paramref name="to"/>, in order; dropped when it has no PeerActor (Raft retransmits).</summary>
    public void Send(ulong to, IReadOnlyList<RaftMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (TryGetPeer(to, out var peer))
        {
            peer.Tell(new OutboundMessages(messages));
        }
        else
        {
            _log.Log(TransportLogLevel.Debug, $"dropped {messages.Count} message(s) for node {to}: no address known");
        }
    }

    /// <summary>
    /// Makes the PeerActors match <paramref name="addresses"/> (every other node of the cluster): starts the
    /// missing ones, moves the ones whose address changed, stops the ones no longer listed. A malformed
    /// address is logged and that peer skipped, so one bad entry cannot cut the node off from the others.
    /// </summary>
    public void SetPeers(IReadOnlyDictionary<ulong, string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        foreach (var (id, address) in addresses)
        {
            if (id == _options.NodeId) continue;
            try
            {
                EnsurePeer(id, address);
            }
            catch (ArgumentException e)
            {
                _log.Log(TransportLogLevel.Error, $"cannot reach node {id}: {e.Message}");
            }
        }
        foreach (var id in PeerIds.Where(id => !addresses.ContainsKey(id)).ToList()) RemovePeer(id);
    }

    /// <summary>
    /// Queues a forward payload for <paramref name="peerId"/>, in order with the Raft messages routed to it.
    /// False when the peer has no PeerActor; a payload lost later on the way is noticed by the caller's deadline.
    /// </summary>
    /// <exception cref="ArgumentException">The payload is larger than a frame can carry.</exception>
    public bool SendForward(ulong peerId, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        // Checked here, not in the PeerActor, so the caller gets the error instead of a silent drop.
        var limit = _options.MaxFrameSize - FrameCodec.ForwardOverhead;
        if (payload.Length > limit) throw new ArgumentException($"forward payload of {payload.Length} bytes exceeds the limit of {limit}", nameof(payload));
        if (!TryGetPeer(peerId, out var peer)) return false;
        peer.Tell(new OutboundForward(payload));
        return true;
    }

    /// <summary>Stops the listener (aborting inbound snapshots) and every PeerActor, and waits until all have stopped.</summary>
    public async ValueTask DisposeAsync()
    {
        List<IActorRef> stopping;
        lock (_peers)
        {
            if (_disposed) return;
            _disposed = true;
            stopping = [.. _peers.Values.Select(p => p.Ref)];
            _peers.Clear();
        }
        await _listener.DisposeAsync().ConfigureAwait(false);
        foreach (var peer in stopping) peer.Tell(ClosePeer.Instance);
        // A PeerActor that failed has reported it on the event stream; disposal only waits for the sockets to close.
        await Task.WhenAll(stopping.Select(_system.WhenStopped)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>A peer's actor and its current address, which the actor's factory reads on every restart.</summary>
    private sealed record Peer(IActorRef Ref, CurrentAddress Address);

    /// <summary>Written under the lock, read by the actor's factory on the actor's own thread.</summary>
    private sealed class CurrentAddress(string value)
    {
        private volatile string _value = value;

        public string Value
        {
            get => _value;
            set => _value = value;
        }
    }
}
