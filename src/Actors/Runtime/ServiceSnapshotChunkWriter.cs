using Akka.Actor;
using System.Buffers.Binary;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// A write-only stream that frames what is written to it into checksummed chunks on the underlying
/// stream: <c>uint32 length, uint32 crc32c, bytes</c> (little endian), ended by a zero length. A service
/// writes its snapshot through it without knowing the size up front, and the reader can check each
/// chunk before handing it to a service. Disposing it neither ends the section nor closes the
/// underlying stream (a service may dispose what it was given); <see cref="CompleteAsync"/> ends it.
/// </summary>
internal sealed class ServiceSnapshotChunkWriter : Stream
{
    private readonly Stream _output;
    private readonly byte[] _buffer;
    private int _count;
    private bool _completed;

    public ServiceSnapshotChunkWriter(Stream output, int chunkSize = ServiceSnapshotFormat.ChunkSize)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSize, ServiceSnapshotFormat.MaxChunkSize);
        _output = output;
        _buffer = new byte[chunkSize];
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_completed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        CheckOpen();
        while (!buffer.IsEmpty)
        {
            var n = Math.Min(buffer.Length, _buffer.Length - _count);
            buffer[..n].CopyTo(_buffer.AsSpan(_count));
            _count += n;
            buffer = buffer[n..];
            if (_count == _buffer.Length)
            {
                _output.Write(FrameHeader());
                _output.Write(_buffer);
                _count = 0;
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckOpen();
        while (!buffer.IsEmpty)
        {
            var n = Math.Min(buffer.Length, _buffer.Length - _count);
            buffer[..n].CopyTo(_buffer.AsMemory(_count));
            _count += n;
            buffer = buffer[n..];
            if (_count == _buffer.Length)
            {
                await FlushChunkAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    // Flush does not cut a chunk: chunk boundaries carry no meaning, and small chunks only cost space.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Writes what is buffered and the end-of-section marker; nothing can be written after it.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        CheckOpen();
        if (_count > 0) await FlushChunkAsync(cancellationToken).ConfigureAwait(false);
        await _output.WriteAsync(new byte[4], cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private async ValueTask FlushChunkAsync(CancellationToken cancellationToken)
    {
        await _output.WriteAsync(FrameHeader(), cancellationToken).ConfigureAwait(false);
        await _output.WriteAsync(_buffer.AsMemory(0, _count), cancellationToken).ConfigureAwait(false);
        _count = 0;
    }

    private byte[] FrameHeader()
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)_count);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), Crc32C.Compute(_buffer.AsSpan(0, _count)));
        return header;
    }

    private void CheckOpen()
    {
        if (_completed) throw new InvalidOperationException("the snapshot section is complete; nothing more can be written to it");
    }
}
