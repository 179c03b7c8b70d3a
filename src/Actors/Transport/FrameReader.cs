using System.Buffers;

namespace RaftActors.Actors.Transport;

/// <summary>
/// Reads frames from one connection into a pooled buffer. A frame's <see cref="SnapshotChunkFrame.Data"/>
/// points into that buffer and stays valid until the next <see cref="ReadAsync"/> or <see cref="Dispose"/>.
/// </summary>
internal sealed class FrameReader(Stream stream, int maxFrameSize, int keepCapacity) : IDisposable
{
    private readonly byte[] _header = new byte[FrameCodec.HeaderSize];
    private byte[] _buffer = [];

    /// <summary>The next frame, or null when the peer closed the connection cleanly between frames.</summary>
    public async ValueTask<Frame?> ReadAsync(CancellationToken cancellationToken)
    {
        // One oversized frame must not pin its buffer for the rest of the connection.
        if (_buffer.Length > keepCapacity) Release();
        var got = await stream.ReadAtLeastAsync(_header, _header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0) return null;
        if (got < _header.Length) throw new TransportException("connection closed inside a frame header");
        // The length is checked against the limit before anything is allocated for it.
        var length = FrameCodec.ReadHeader(_header, maxFrameSize, out var crc);
        if (_buffer.Length < length)
        {
            Release();
            _buffer = ArrayPool<byte>.Shared.Rent(length);
        }
        var payload = _buffer.AsMemory(0, length);
        try
        {
            await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new TransportException($"connection closed inside a {length}-byte frame", e);
        }
        return FrameCodec.DecodePayload(payload, crc);
    }

    public void Dispose() => Release();

    private void Release()
    {
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
