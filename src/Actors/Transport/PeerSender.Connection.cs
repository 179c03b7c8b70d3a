using System.Net;
using System.Net.Sockets;
using RaftActors.Messages;

namespace RaftActors.Actors.Transport;

public sealed partial class PeerSender
{
    private Outbound? _carry;
    private Task<bool>? _messageWait;
    private Task<bool>? _snapshotWait;

    // A writer keeps a buffer this large between frames: one full snapshot chunk. Bigger batches give theirs back.
    private int KeepCapacity => FrameCodec.HeaderSize + FrameCodec.ChunkOverhead + _options.SnapshotChunkSize;

    private async Task RunAsync()
    {
        var failures = 0;
        try
        {
            while (true)
            {
                _stop.Token.ThrowIfCancellationRequested();
                NetworkStream stream;
                try
                {
                    stream = await ConnectAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (!_stop.IsCancellationRequested && e is TransportException or IOException or SocketException or OperationCanceledException)
                {
                    _log.Log(failures == 0 ? TransportLogLevel.Warning : TransportLogLevel.Debug, $"cannot reach node {PeerId} at {Address}: {e.Message}");
                    SetReachable(false);
                    DropQueued();
                    FailQueuedSnapshots(new TransportException($"node {PeerId} is unreachable: {e.Message}", e));
                    await Task.Delay(Backoff.Delay(failures++, _options.BackoffMin, _options.BackoffMax), _time, _stop.Token).ConfigureAwait(false);
                    continue;
                }
                failures = 0;
                SetReachable(true);
                string reason;
                await using (stream.ConfigureAwait(false)) reason = await PumpAsync(stream).ConfigureAwait(false);
                _log.Log(TransportLogLevel.Warning, $"lost connection to node {PeerId}: {reason}");
                SetReachable(false);
                // Even the first retry waits: a peer that accepts and at once drops us must not be hammered.
                await Task.Delay(Backoff.Delay(failures++, _options.BackoffMin, _options.BackoffMax), _time, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or IOException or SocketException or ObjectDisposedException or TransportException)
        {
            // Disposed: whatever the interrupted write or handshake threw is the expected end of the loop.
        }
    }

    private async Task<NetworkStream> ConnectAsync()
    {
        var socket = Address is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            await WithTimeoutAsync(_options.ConnectTimeout, "connect", t => socket.ConnectAsync(Address, t)).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            await WithTimeoutAsync(_options.HandshakeTimeout, "handshake",
                t => new ValueTask(Handshake.DialAsync(stream, _options, PeerId, t))).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async ValueTask WithTimeoutAsync(TimeSpan timeout, string what, Func<CancellationToken, ValueTask> step)
    {
        using var timer = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, timer.Token);
        try
        {
            await step(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (timer.IsCancellationRequested && !_stop.IsCancellationRequested)
        {
            throw new TransportException($"{what} timed out after {timeout}", e);
        }
    }

    /// <summary>Writes queued work until the connection fails; returns why it ended. Throws only when disposed.</summary>
    private async Task<string> PumpAsync(NetworkStream stream)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var closed = WatchForCloseAsync(stream, connection);
        using var writer = new PooledBufferWriter(KeepCapacity);
        try
        {
            while (true)
            {
                await FlushMessagesAsync(stream, writer, connection.Token).ConfigureAwait(false);
                if (_snapshots.Reader.TryRead(out var request))
                {
                    await SendSnapshotAsync(request, stream, writer, connection.Token).ConfigureAwait(false);
                    continue;
                }
                // The wait tasks outlive one iteration (and one connection) so that idle periods do not pile up waiters.
                _messageWait ??= _queue.Reader.WaitToReadAsync(_stop.Token).AsTask();
                _snapshotWait ??= _snapshots.Reader.WaitToReadAsync(_stop.Token).AsTask();
                var done = await Task.WhenAny(_messageWait, _snapshotWait, closed).ConfigureAwait(false);
                if (done == closed) return await closed.ConfigureAwait(false);
                _stop.Token.ThrowIfCancellationRequested();
                if (done == _messageWait) _messageWait = null;
                else _snapshotWait = null;
            }
        }
        catch (Exception e) when (!_stop.IsCancellationRequested && e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return closed.IsCompleted ? await closed.ConfigureAwait(false) : $"write failed: {e.Message}";
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
            await closed.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The listener never writes after accepting, so a read completes only when the connection ends. Watching
    /// for it notices a restarted peer at once instead of at the next failed write.
    /// </summary>
    private static async Task<string> WatchForCloseAsync(NetworkStream stream, CancellationTokenSource connection)
    {
        var buffer = new byte[1];
        string reason;
        try
        {
            var n = await stream.ReadAsync(buffer, connection.Token).ConfigureAwait(false);
            reason = n == 0 ? "peer closed the connection" : "peer wrote unexpected bytes";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            reason = $"connection lost: {e.Message}";
        }
        await connection.CancelAsync().ConfigureAwait(false);
        return reason;
    }

    /// <summary>Writes everything queued, as few frames as the frame size allows.</summary>
    private async ValueTask FlushMessagesAsync(Stream stream, PooledBufferWriter writer, CancellationToken cancellationToken)
    {
        while (_carry is not null || _queue.Reader.TryPeek(out _))
        {
            var count = BuildFrame(writer);
            if (count == 0) continue;
            await stream.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            writer.Reset(KeepCapacity);
            if (count < 0)
            {
                Interlocked.Increment(ref _forwardsSent);
            }
            else
            {
                Interlocked.Increment(ref _framesSent);
                Interlocked.Add(ref _messagesSent, count);
            }
            Volatile.Write(ref _overflowing, 0);
        }
    }

    /// <summary>
    /// Builds the next frame from the queue: a batch of consecutive messages (returns their count) or, when a
    /// forward payload is next, a Forward frame (returns -1). A forward ends the batch before it, so messages
    /// and forwards leave in the order they were queued. Returns 0 when everything taken was dropped.
    /// </summary>
    private int BuildFrame(PooledBufferWriter writer)
    {
        FrameCodec.BeginBatch(writer);
        var count = 0;
        while (TakeNext(out var item))
        {
            if (item.Forward is { } forward)
            {
                if (count > 0)
                {
                    _carry = item;
                    break;
                }
                FrameCodec.WriteForward(writer, forward);
                return -1;
            }
            var message = item.Message!;
            var before = writer.WrittenCount;
            FrameCodec.AppendMessage(writer, message);
            if (FrameCodec.PayloadLength(writer) <= _options.MaxFrameSize)
            {
                count++;
                continue;
            }
            writer.Truncate(before);
            if (count > 0)
            {
                _carry = item;
                break;
            }
            // Alone it cannot fit any frame; Raft's message size limit should prevent this, so it is a loud drop.
            Drop(1, $"{message.Type} message larger than the {_options.MaxFrameSize}-byte frame limit");
        }
        if (count > 0) FrameCodec.EndBatch(writer, count);
        return count;
    }

    private bool TakeNext(out Outbound item)
    {
        if (_carry is { } carried)
        {
            (item, _carry) = (carried, null);
            return true;
        }
        return _queue.Reader.TryRead(out item);
    }

    /// <summary>Messages queued for a peer that cannot be reached would only be stale when it comes back.</summary>
    private void DropQueued()
    {
        var count = _carry is null ? 0 : 1;
        _carry = null;
        while (_queue.Reader.TryRead(out _)) count++;
        if (count > 0) Drop(count, "peer unreachable");
    }
}
