namespace RaftActors.Messages;

/// <summary>Where a snapshot stands in the log, and the membership as of that point.</summary>
public sealed record SnapshotMetadata(ulong Index, ulong Term, ConfState ConfState)
{
    public static readonly SnapshotMetadata Empty = new(0, 0, ConfState.Empty);
}

/// <summary>
/// A snapshot of the service state up to <see cref="SnapshotMetadata.Index"/>. In the core the payload
/// is held as bytes; the runtime streams large payloads in chunks and never builds this object for them.
/// </summary>
public sealed class Snapshot : IEquatable<Snapshot>
{
    public static readonly Snapshot Empty = new(SnapshotMetadata.Empty, []);

    public Snapshot(SnapshotMetadata metadata, byte[]? data = null)
    {
        Metadata = metadata;
        Data = data ?? [];
    }

    public SnapshotMetadata Metadata { get; }
    public byte[] Data { get; }

    public bool IsEmpty => Metadata.Index == 0;

    public bool Equals(Snapshot? other) => other is not null && Metadata == other.Metadata
        && Data.AsSpan().SequenceEqual(other.Data);

    public override bool Equals(object? obj) => Equals(obj as Snapshot);

    public override int GetHashCode() => HashCode.Combine(Metadata.Index, Metadata.Term);
}
