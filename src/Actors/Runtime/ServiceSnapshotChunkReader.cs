using Akka.Actor;
using System.Buffers.Binary;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// A read-only stream over one section framed by <see cref="ServiceSnapshotChunkWriter"/>: it checks
/// each chunk's length and checksum before exposing any of its bytes, and ends (reads 0) at the
/// section's end marker. A truncated or corrupted section throws <see cref="InvalidDataException"/>
/// naming the snapshot and the offset, so a service never restores from bytes that were damaged.
/// Disposing it does not close the underlying stream.
/// </summary>
internal sealed class ServiceSnapshotChunkReader : Stream
{
    private readonly Stream _input;
    private readonly string _source;
    private readonly byte[] _header = new byte[8];
    private byte[] _chunk = [];
    private int _length;
    private int _position;
    private bool _ended;

    public ServiceSnapshotChunkReader(Stream input, string source, long offset)
    {
        _input = input;
        _source = source;
        Offset = offset;
    }

    /// <summary>How far into the snapshot the underlying stream has been read, for error messages.</summary>
    public long Offset { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (_position == _length && !_ended)
        {
            ReadFully(_header.AsSpan(0, 4));
            if (BeginChunk())
            {
                ReadFully(_header.AsSpan(4, 4));
                ReadFully(_chunk.AsSpan(0, _length));
                CheckChunk();
            }
        }
        return Take(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        if (_position == _length && !_ended)
        {
            await ReadFullyAsync(_header.AsMemory(0, 4), cancellationToken).ConfigureAwait(false);
            if (BeginChunk())
            {
                await ReadFullyAsync(_header.AsMemory(4, 4), cancellationToken).ConfigureAwait(false);
                await ReadFullyAsync(_chunk.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
                CheckChunk();
            }
        }
        return Take(buffer.Span);
    }

    /// <summary>Reads (and checks) whatever is left of the section, up to its end marker.</summary>
    public async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        var scrap = new byte[ServiceSnapshotFormat.ChunkSize];
        while (await ReadAsync(scrap, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Interprets the length just read; false at the end marker.</summary>
    private bool BeginChunk()
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(_header);
        _position = 0;
        if (length == 0)
        {
            _length = 0;
            _ended = true;
            return false;
        }
        if (length > ServiceSnapshotFormat.MaxChunkSize)
        {
            throw Invalid($"chunk length {length} at offset {Offset - 4} exceeds the limit of {ServiceSnapshotFormat.MaxChunkSize} bytes");
        }
        _length = (int)length;
        if (_chunk.Length < _length) _chunk = new byte[Math.Max(_length, ServiceSnapshotFormat.ChunkSize)];
        return true;
    }

    private void CheckChunk()
    {
        var expected = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(4));
        if (Crc32C.Compute(_chunk.AsSpan(0, _length)) != expected)
        {
            throw Invalid($"the chunk of {_length} bytes ending at offset {Offset} fails its checksum");
        }
    }

    private int Take(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _length - _position);
        _chunk.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    private void ReadFully(Span<byte> buffer)
    {
        var read = _input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        Offset += read;
        if (read < buffer.Length) throw Truncated();
    }

    private async ValueTask ReadFullyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await _input.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        Offset += read;
        if (read < buffer.Length) throw Truncated();
    }

    private InvalidDataException Truncated() => Invalid($"the snapshot is truncated at offset {Offset}");

    private InvalidDataException Invalid(string reason) => new($"service snapshot {_source}: {reason}");
}
