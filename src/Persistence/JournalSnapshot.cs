using RaftActors.Messages;

namespace RaftActors.Persistence;

/// <summary>
/// The latest stored snapshot, opened for reading: its metadata, its payload length and a read-only,
/// forward-only stream over the payload. The owner disposes it, which closes the stream.
/// </summary>
public sealed class JournalSnapshot : IDisposable
{
    internal JournalSnapshot(SnapshotMetadata metadata, long length, Stream payload)
    {
        Metadata = metadata;
        Length = length;
        Payload = payload;
    }

    public SnapshotMetadata Metadata { get; }

    /// <summary>The payload's length in bytes.</summary>
    public long Length { get; }

    /// <summary>The payload. Reading it past its end, or over a corrupted chunk, throws <see cref="JournalCorruptedException"/>.</summary>
    public Stream Payload { get; }

    /// <summary>Reads the whole payload into memory: only for snapshots known to be small.</summary>
    public byte[] ReadAllBytes()
    {
        using var copy = new MemoryStream(checked((int)Length));
        Payload.CopyTo(copy);
        return copy.ToArray();
    }

    public void Dispose() => Payload.Dispose();
}
