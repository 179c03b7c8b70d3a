using RaftActors.Messages;

namespace RaftActors.Actors.Transport;

/// <summary>
/// Reassembles the one snapshot a connection may have open: Begin opens it in the sink, chunks are written
/// in order straight from the frame buffer into the sink's stream (never collected in memory), the chunk
/// flagged last completes it. Anything out of order is a protocol violation.
/// </summary>
internal sealed class InboundSnapshot(ISnapshotSink sink, ulong peer, ulong self)
{
    private ulong _id;
    private RaftMessage? _message;
    private Stream? _stream;
    private long _received;

    public async ValueTask BeginAsync(SnapshotBeginFrame begin, CancellationToken cancellationToken)
    {
        if (_message is not null) throw new TransportException($"snapshot {begin.SnapshotId} began while snapshot {_id} is still open");
        InboundConnection.CheckMessage(begin.Message, peer, self);
        _stream = await sink.BeginAsync(peer, begin.Message, cancellationToken).ConfigureAwait(false);
        (_id, _message, _received) = (begin.SnapshotId, begin.Message, 0);
    }

    public async ValueTask WriteAsync(SnapshotChunkFrame chunk, CancellationToken cancellationToken)
    {
        if (_message is null || chunk.SnapshotId != _id) throw new TransportException($"chunk of snapshot {chunk.SnapshotId}, which is not open");
        if (chunk.Offset != _received) throw new TransportException($"snapshot chunk at offset {chunk.Offset}, expected {_received}");
        await _stream!.WriteAsync(chunk.Data, cancellationToken).ConfigureAwait(false);
        _received += chunk.Data.Length;
        if (!chunk.Last) return;
        var (message, stream) = Take();
        await sink.CompleteAsync(peer, message, stream, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask AbortAsync(SnapshotAbortFrame abort) => _message is not null && abort.SnapshotId == _id
        ? AbortAsync($"sender aborted snapshot {abort.SnapshotId}")
        : throw new TransportException($"abort of snapshot {abort.SnapshotId}, which is not open");

    /// <summary>Aborts the open snapshot, if any; called when the connection ends for whatever reason.</summary>
    public async ValueTask AbortAsync(string reason)
    {
        if (_message is null) return;
        var (message, stream) = Take();
        await sink.AbortAsync(peer, message, stream, reason).ConfigureAwait(false);
    }

    private (RaftMessage Message, Stream Stream) Take()
    {
        var taken = (_message!, _stream!);
        (_message, _stream, _received) = (null, null, 0);
        return taken;
    }
}
