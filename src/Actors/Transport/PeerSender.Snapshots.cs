using RaftActors.Messages;

namespace RaftActors.Actors.Transport;

public sealed partial class PeerSender
{
    private ulong _snapshotIds;

    /// <summary>
    /// Streams a snapshot: <paramref name="message"/> (a Snapshot message; its Snapshot.Data is ignored) carries
    /// the metadata, <paramref name="payload"/> is read chunk by chunk, each chunk only after the previous one
    /// was written to the socket, so at most one chunk is in memory whatever the snapshot's size. Messages
    /// queued meanwhile are sent between chunks. Completes when every chunk has been written; fails with
    /// <see cref="TransportException"/> if the peer is unreachable or the connection is lost, and with the
    /// payload's own exception if reading it fails. The caller owns and disposes <paramref name="payload"/>.
    /// </summary>
    public Task SendSnapshotAsync(RaftMessage message, Stream payload, CancellationToken cancellationToken = default)
    {
        CheckOutgoing(message);
        ArgumentNullException.ThrowIfNull(payload);
        if (message.Type != MessageType.Snapshot || message.Snapshot is null)
            throw new ArgumentException("a snapshot is sent as a Snapshot message with its metadata", nameof(message));
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var request = new SnapshotRequest(message with { Snapshot = new Snapshot(message.Snapshot.Metadata) }, payload, cancellationToken);
        _snapshots.Writer.TryWrite(request);
        if (_disposed != 0) FailQueuedSnapshots(new ObjectDisposedException(nameof(PeerSender)));
        return request.Done.Task;
    }

    private async ValueTask SendSnapshotAsync(SnapshotRequest request, Stream stream, PooledBufferWriter writer, CancellationToken connection)
    {
        var id = ++_snapshotIds;
        using var source = CancellationTokenSource.CreateLinkedTokenSource(connection, request.CancellationToken);
        try
        {
            FrameCodec.WriteSnapshotBegin(writer, id, request.Header);
            await stream.WriteAsync(writer.WrittenMemory, connection).ConfigureAwait(false);
            long offset = 0;
            bool last;
            do
            {
                var space = FrameCodec.BeginChunk(writer, id, offset, _options.SnapshotChunkSize);
                int read;
                try
                {
                    // Fills the whole chunk unless the payload ends: a short chunk is therefore the last one.
                    read = await request.Payload.ReadAtLeastAsync(space, space.Length, throwOnEndOfStream: false, source.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!connection.IsCancellationRequested)
                {
                    await AbortSnapshotAsync(id, request, e, stream, writer, connection).ConfigureAwait(false);
                    return;
                }
                last = read < space.Length;
                FrameCodec.EndChunk(writer, read, last);
                await stream.WriteAsync(writer.WrittenMemory, connection).ConfigureAwait(false);
                offset += read;
                // Heartbeats and appends keep flowing while a long snapshot is on the way.
                await FlushMessagesAsync(stream, writer, connection).ConfigureAwait(false);
            }
            while (!last);
            Interlocked.Increment(ref _snapshotsSent);
            _log.Log(TransportLogLevel.Information, $"sent snapshot at index {request.Header.Snapshot!.Metadata.Index} ({offset} bytes) to node {PeerId}");
            request.Done.TrySetResult();
        }
        catch (Exception e) when (!request.Done.Task.IsCompleted)
        {
            request.Done.TrySetException(new TransportException($"connection to node {PeerId} lost while sending a snapshot: {e.Message}", e));
            throw;
        }
    }

    private async ValueTask AbortSnapshotAsync(ulong id, SnapshotRequest request, Exception error, Stream stream,
        PooledBufferWriter writer, CancellationToken connection)
    {
        _log.Log(TransportLogLevel.Warning, $"snapshot for node {PeerId} aborted: {error.Message}");
        if (error is OperationCanceledException && request.CancellationToken.IsCancellationRequested) request.Done.TrySetCanceled(request.CancellationToken);
        else request.Done.TrySetException(error);
        FrameCodec.WriteSnapshotAbort(writer, id);
        await stream.WriteAsync(writer.WrittenMemory, connection).ConfigureAwait(false);
    }

    private void FailQueuedSnapshots(Exception error)
    {
        while (_snapshots.Reader.TryRead(out var request)) request.Done.TrySetException(error);
    }

    private sealed class SnapshotRequest(RaftMessage header, Stream payload, CancellationToken cancellationToken)
    {
        public RaftMessage Header { get; } = header;
        public Stream Payload { get; } = payload;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
