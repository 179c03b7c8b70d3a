using System.Collections.Concurrent;
using System.Security.Cryptography;
using RaftActors.Actors.Transport;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Transport;

/// <summary>
/// A snapshot sink that keeps only a running SHA-256 of what it receives, so a 64 MiB snapshot can be
/// checked byte-exact without the test itself holding it in memory.
/// </summary>
internal sealed class HashingSnapshotSink : ISnapshotSink
{
    public ConcurrentQueue<(ulong From, RaftMessage Message, byte[] Hash, long Length, int Writes, int LargestWrite)> Completed { get; } = new();
    public ConcurrentQueue<string> Aborted { get; } = new();
    public Func<long>? OnFirstWrite { get; set; }
    public long SourcePositionAtFirstWrite { get; private set; } = -1;

    public ValueTask<Stream> BeginAsync(ulong fromNode, RaftMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<Stream>(new HashingStream(this));

    public ValueTask CompleteAsync(ulong fromNode, RaftMessage message, Stream payload, CancellationToken cancellationToken)
    {
        var stream = (HashingStream)payload;
        Completed.Enqueue((fromNode, message, stream.Hash.GetHashAndReset(), stream.Length, stream.Writes, stream.LargestWrite));
        stream.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask AbortAsync(ulong fromNode, RaftMessage message, Stream payload, string reason)
    {
        Aborted.Enqueue(reason);
        payload.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class HashingStream(HashingSnapshotSink sink) : Stream
    {
        private long _length;

        public IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public int Writes { get; private set; }
        public int LargestWrite { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Writes == 0 && sink.OnFirstWrite is { } first) sink.SourcePositionAtFirstWrite = first();
            Hash.AppendData(buffer);
            _length += buffer.Length;
            Writes++;
            LargestWrite = Math.Max(LargestWrite, buffer.Length);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) Hash.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>A deterministic pseudo-random payload of any length, generated as it is read, never held whole.</summary>
internal sealed class GeneratedStream(long length, ulong seed, long failAt = -1) : Stream
{
    private ulong _state = seed | 1;
    private long _position;

    public int LargestRead { get; private set; }
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => Interlocked.Read(ref _position); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (failAt >= 0 && _position >= failAt) throw new IOException("source snapshot unreadable");
        var n = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < n; i++)
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            buffer[i] = (byte)_state;
        }
        Interlocked.Add(ref _position, n);
        LargestRead = Math.Max(LargestRead, buffer.Length);
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
