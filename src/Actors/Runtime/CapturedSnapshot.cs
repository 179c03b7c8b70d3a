namespace RaftActors.Actors.Runtime;

/// <summary>
/// The default capture of <see cref="IService.CaptureSnapshotAsync"/>: the service's snapshot written into
/// memory now, in chunks (no single large array), and copied out later by the writer it returns.
/// </summary>
internal sealed class CapturedSnapshot : Stream
{
    private const int ChunkSize = 64 * 1024;
    private readonly List<byte[]> _chunks = [];
    private int _lastCount = ChunkSize;

    public static async ValueTask<SnapshotWriter> CaptureAsync(IService service, CancellationToken cancellationToken)
    {
        var captured = new CapturedSnapshot();
        await service.WriteSnapshotAsync(captured, cancellationToken).ConfigureAwait(false);
        return captured.CopyOutAsync;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_lastCount == ChunkSize)
            {
                _chunks.Add(new byte[ChunkSize]);
                _lastCount = 0;
            }
            var n = Math.Min(buffer.Length, ChunkSize - _lastCount);
            buffer[..n].CopyTo(_chunks[^1].AsSpan(_lastCount));
            _lastCount += n;
            buffer = buffer[n..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private async ValueTask CopyOutAsync(Stream destination, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _chunks.Count; i++)
        {
            var count = i == _chunks.Count - 1 ? _lastCount : ChunkSize;
            await destination.WriteAsync(_chunks[i].AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            _chunks[i] = []; // released as it goes: a large capture is not held until the whole file is written
        }
    }
}
