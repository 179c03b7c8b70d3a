namespace RaftActors.Messages;

/// <summary>What a log entry carries.</summary>
public enum EntryType : byte
{
    /// <summary>A command for the service (or an empty no-op a new leader appends).</summary>
    Normal = 0,
    /// <summary>A membership change: <see cref="Entry.Data"/> is an encoded <see cref="ConfChange"/>.</summary>
    ConfChange = 1,
}

/// <summary>
/// One log entry. Immutable by contract: nobody writes into <see cref="Data"/> after construction,
/// so entries are shared between the core, the journal and the wire without copying.
/// Equality compares the bytes of <see cref="Data"/>, so tests can compare logs directly.
/// </summary>
public sealed class Entry : IEquatable<Entry>
{
    public Entry(ulong term, ulong index, EntryType type = EntryType.Normal, byte[]? data = null)
    {
        Term = term;
        Index = index;
        Type = type;
        Data = data ?? [];
    }

    public ulong Term { get; }
    public ulong Index { get; }
    public EntryType Type { get; }
    public byte[] Data { get; }

    /// <summary>Bytes this entry counts for against size limits (etcd counts the payload plus a small header).</summary>
    public long Size => Data.Length + 16;

    /// <summary>A copy placed at another position (used when a leader appends a proposal).</summary>
    public Entry At(ulong term, ulong index) => new(term, index, Type, Data);

    public bool Equals(Entry? other) => other is not null && Term == other.Term && Index == other.Index
        && Type == other.Type && Data.AsSpan().SequenceEqual(other.Data);

    public override bool Equals(object? obj) => Equals(obj as Entry);

    public override int GetHashCode() => HashCode.Combine(Term, Index, Type, Data.Length);

    public override string ToString() => $"{Term}/{Index} {Type} {Data.Length}b";
}
