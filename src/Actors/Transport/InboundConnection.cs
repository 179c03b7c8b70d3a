using System.Net.Sockets;
using RaftActors.Messages;

namespace RaftActors.Actors.Transport;

/// <summary>
/// One accepted connection: handshake under a timeout, then a loop that reads frames, checks every message
/// against the authenticated peer and delivers it. Any violation ends only this connection.
/// </summary>
internal sealed class InboundConnection
{
    private readonly PeerListener _listener;
    private readonly Socket _socket;
    private readonly string _remote;
    private readonly CancellationTokenSource _cts;
    private ulong _peer;

    public InboundConnection(PeerListener listener, Socket socket, string remote)
    {
        _listener = listener;
        _socket = socket;
        _remote = remote;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(listener.Stopping);
    }

    private ITransportLog Log => _listener.Log;

    /// <summary>Ends the connection from outside (a newer connection of the same peer replaced it).</summary>
    public void Close(string reason)
    {
        Log.Log(TransportLogLevel.Information, $"closing connection from node {_peer} ({_remote}): {reason}");
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished on its own.
        }
    }

    public async Task RunAsync()
    {
        using var stream = new NetworkStream(_socket, ownsSocket: true);
        try
        {
            if (!await AuthenticateAsync(stream).ConfigureAwait(false)) return;
            _listener.Register(_peer, this);
            try
            {
                await ServeAsync(stream).ConfigureAwait(false);
            }
            finally
            {
                _listener.Unregister(_peer, this);
            }
        }
        finally
        {
            _listener.Forget(this);
            _cts.Dispose();
        }
    }

    private async Task<bool> AuthenticateAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(_listener.Options.HandshakeTimeout, _listener.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, timeout.Token);
        try
        {
            _peer = await Handshake.AcceptAsync(stream, _listener.Options, linked.Token).ConfigureAwait(false);
            Log.Log(TransportLogLevel.Information, $"node {_peer} connected from {_remote}");
            return true;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_cts.IsCancellationRequested)
        {
            Log.Log(TransportLogLevel.Warning, $"rejected {_remote}: handshake timed out after {_listener.Options.HandshakeTimeout}");
        }
        catch (TransportException e)
        {
            Log.Log(TransportLogLevel.Warning, $"rejected {_remote}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Log.Log(TransportLogLevel.Debug, $"connection from {_remote} ended during the handshake: {e.Message}");
        }
        finally
        {
            _listener.HandshakeFinished();
        }
        return false;
    }

    private async Task ServeAsync(NetworkStream stream)
    {
        var options = _listener.Options;
        var snapshot = new InboundSnapshot(_listener.Snapshots, _peer, options.NodeId);
        using var reader = new FrameReader(stream, options.MaxFrameSize, options.SnapshotChunkSize + FrameCodec.ChunkOverhead);
        var reason = "peer closed the connection";
        var level = TransportLogLevel.Information;
        try
        {
            while (await reader.ReadAsync(_cts.Token).ConfigureAwait(false) is { } frame)
            {
                await DeliverAsync(frame, snapshot).ConfigureAwait(false);
            }
        }
        catch (TransportException e)
        {
            (reason, level) = ($"protocol violation: {e.Message}", TransportLogLevel.Warning);
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            reason = "closed locally";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            reason = $"connection lost or snapshot stream failed: {e.Message}";
        }
#pragma warning disable CA1031 // A failing handler is a local bug; it must cost this connection, not the listener.
        catch (Exception e)
#pragma warning restore CA1031
        {
            (reason, level) = ($"message handler or snapshot sink failed: {e}", TransportLogLevel.Error);
        }
        Log.Log(level, $"disconnected node {_peer} ({_remote}): {reason}");
        try
        {
            await snapshot.AbortAsync(reason).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The connection is over either way; a failing sink must not fault the listener's shutdown.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.Log(TransportLogLevel.Error, $"snapshot sink failed to abort the snapshot from node {_peer}: {e}");
        }
    }

    private ValueTask DeliverAsync(Frame frame, InboundSnapshot snapshot) => frame switch
    {
        BatchFrame batch => DeliverBatchAsync(batch.Messages),
        SnapshotBeginFrame begin => snapshot.BeginAsync(begin, _cts.Token),
        SnapshotChunkFrame chunk => snapshot.WriteAsync(chunk, _cts.Token),
        SnapshotAbortFrame abort => snapshot.AbortAsync(abort),
        ForwardFrame forward => DeliverForwardAsync(forward.Payload),
        _ => throw new TransportException($"unexpected frame {frame.GetType().Name}"),
    };

    private ValueTask DeliverBatchAsync(IReadOnlyList<RaftMessage> messages)
    {
        foreach (var message in messages) CheckMessage(message, _peer, _listener.Options.NodeId);
        return _listener.OnMessages(_peer, messages, _cts.Token);
    }

    private ValueTask DeliverForwardAsync(ReadOnlyMemory<byte> payload)
    {
        if (_listener.OnForward is { } onForward) return onForward(_peer, payload, _cts.Token);
        // A node that does not forward requests ignores them; the caller's deadline reports the failure.
        Log.Log(TransportLogLevel.Debug, $"dropped a {payload.Length}-byte forward payload from node {_peer}: no forward handler");
        return ValueTask.CompletedTask;
    }

    /// <summary>A message must come from the node that authenticated, be addressed here and not be one a node only makes for itself.</summary>
    internal static void CheckMessage(RaftMessage message, ulong peer, ulong self)
    {
        if (message.From != peer) throw new TransportException($"message claims to be from node {message.From} but the connection is node {peer}'s");
        if (message.To != self) throw new TransportException($"message addressed to node {message.To}, this is node {self}");
        if (message.Type.IsLocal()) throw new TransportException($"local-only message type {message.Type} received from the network");
    }
}
