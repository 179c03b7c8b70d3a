using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using RaftActors.Messages;

namespace RaftActors.Actors.Transport;

/// <summary>
/// Accepts connections from peers, authenticates each with the handshake and hands every received batch to
/// the message handler, one connection at a time per peer. A peer that breaks the protocol is disconnected
/// with a logged reason; every other connection keeps being served. The handler and the snapshot sink are
/// awaited before the next frame of that connection is read, so a slow consumer pushes back on the sender
/// through TCP instead of buffering without bound.
/// </summary>
public sealed class PeerListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _handshakeSlots;
    private readonly ConcurrentDictionary<InboundConnection, Task> _connections = new();
    private readonly Dictionary<ulong, InboundConnection> _byPeer = [];
    private Task _acceptLoop = Task.CompletedTask;
    private int _disposed;

    /// <param name="onMessages">
    /// Receives each batch with the authenticated sender id. Every message has been checked: From is that
    /// sender, To is this node, and the type is not local. An exception disconnects that peer.
    /// </param>
    /// <param name="onForward">
    /// Receives each forward payload (<see cref="PeerSender.SendForward"/>) with the authenticated sender id, in
    /// order with that sender's batches. The memory points into the connection's frame buffer and is valid only
    /// until the returned task completes: copy what must outlive it. An exception disconnects that peer. When
    /// null, forward frames are dropped (logged at debug level).
    /// </param>
    public PeerListener(TransportOptions options, IPEndPoint endPoint,
        Func<ulong, IReadOnlyList<RaftMessage>, CancellationToken, ValueTask> onMessages,
        ISnapshotSink snapshots, ITransportLog? log = null, TimeProvider? timeProvider = null,
        Func<ulong, ReadOnlyMemory<byte>, CancellationToken, ValueTask>? onForward = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        options.Validate();
        Options = options;
        OnMessages = onMessages ?? throw new ArgumentNullException(nameof(onMessages));
        Snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));
        OnForward = onForward;
        Log = log ?? NullTransportLog.Instance;
        Time = timeProvider ?? TimeProvider.System;
        _handshakeSlots = new SemaphoreSlim(options.MaxPendingHandshakes, options.MaxPendingHandshakes);
        _socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // Lets a restarted node bind its port again while old connections sit in TIME_WAIT. On Windows the
        // option would let another process steal the port, so it is only set elsewhere.
        if (!OperatingSystem.IsWindows()) _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        EndPoint = endPoint;
    }

    internal TransportOptions Options { get; }
    internal Func<ulong, IReadOnlyList<RaftMessage>, CancellationToken, ValueTask> OnMessages { get; }
    internal ISnapshotSink Snapshots { get; }
    internal Func<ulong, ReadOnlyMemory<byte>, CancellationToken, ValueTask>? OnForward { get; }
    internal ITransportLog Log { get; }
    internal TimeProvider Time { get; }
    internal CancellationToken Stopping => _stop.Token;

    /// <summary>The bound address; after <see cref="Start"/> it carries the actual port when 0 was asked for.</summary>
    public IPEndPoint EndPoint { get; private set; }

    /// <summary>Peers with an authenticated connection right now.</summary>
    public IReadOnlyCollection<ulong> ConnectedPeers
    {
        get
        {
            lock (_byPeer) return [.. _byPeer.Keys];
        }
    }

    /// <summary>Binds and starts accepting. Throws <see cref="SocketException"/> if the address is taken.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        _socket.Bind(EndPoint);
        _socket.Listen(512);
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
        Log.Log(TransportLogLevel.Information, $"node {Options.NodeId} listening for peers on {EndPoint}");
    }

    /// <summary>Stops accepting, closes every connection (aborting snapshots in progress) and waits for them to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _stop.Dispose();
        _handshakeSlots.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Transient accept failures (a client that reset before accept, fd pressure) must not stop the listener.
                Log.Log(TransportLogLevel.Warning, $"accept failed: {e.SocketErrorCode}");
                continue;
            }
            Admit(client);
        }
    }

    private void Admit(Socket client)
    {
        var remote = client.RemoteEndPoint?.ToString() ?? "?";
        if (!_handshakeSlots.Wait(0))
        {
            Log.Log(TransportLogLevel.Warning, $"refused {remote}: {Options.MaxPendingHandshakes} handshakes already pending");
            client.Dispose();
            return;
        }
        client.NoDelay = true;
        var connection = new InboundConnection(this, client, remote);
        // Registered before it runs so that Forget (at its end) always finds the entry; run on the pool so
        // a slow handshake never delays the accept loop.
        _connections[connection] = Task.CompletedTask;
        _connections.TryUpdate(connection, Task.Run(connection.RunAsync), Task.CompletedTask);
    }

    internal void HandshakeFinished() => _handshakeSlots.Release();

    /// <summary>Makes <paramref name="connection"/> the one connection of its peer; an older one is closed (the peer reconnected).</summary>
    internal void Register(ulong peer, InboundConnection connection)
    {
        InboundConnection? old;
        lock (_byPeer)
        {
            _byPeer.TryGetValue(peer, out old);
            _byPeer[peer] = connection;
        }
        old?.Close($"replaced by a newer connection from node {peer}");
    }

    internal void Unregister(ulong peer, InboundConnection connection)
    {
        lock (_byPeer)
        {
            if (_byPeer.TryGetValue(peer, out var current) && current == connection) _byPeer.Remove(peer);
        }
    }

    internal void Forget(InboundConnection connection) => _connections.TryRemove(connection, out _);
}
