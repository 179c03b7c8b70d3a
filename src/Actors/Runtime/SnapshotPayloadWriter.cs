using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// Writes a captured service snapshot to its payload file, durably, and measures it (length, CRC-32C) on the
/// way, so that nobody has to read a large file back before adopting it. It runs off the actors' message
/// loops: the capture was taken in the ServiceActor, and the RaftActor only renames the finished file.
/// </summary>
internal static class SnapshotPayloadWriter
{
    private const int FileBufferSize = 64 * 1024;

    /// <summary>Writes, flushes and fsyncs <paramref name="path"/>; on any failure the partial file is deleted.</summary>
    public static async Task<(long Length, uint Crc)> WriteAsync(string path, ReadOnlyMemory<byte> header, IReadOnlyList<SnapshotWriter> sections,
        CancellationToken cancellationToken)
    {
        try
        {
            var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, FileBufferSize, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                var measured = new MeasuringStream(file);
                await ServiceSnapshotFormat.WriteAsync(measured, header, sections, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                // The RaftActor compacts the log behind this snapshot: it must be on disk first.
                file.Flush(flushToDisk: true);
                return (measured.Length, measured.Crc);
            }
        }
        catch
        {
            TryDelete(path);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The staging folder is emptied at the next start.
        }
    }

    /// <summary>Passes writes through, counting the bytes and their CRC-32C.</summary>
    private sealed class MeasuringStream(Stream inner) : Stream
    {
        private long _length;

        public uint Crc { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Crc = Crc32C.Append(Crc, buffer);
            _length += buffer.Length;
            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Crc = Crc32C.Append(Crc, buffer.Span);
            _length += buffer.Length;
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
