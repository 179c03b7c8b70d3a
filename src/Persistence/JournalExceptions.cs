namespace RaftActors.Persistence;

/// <summary>The base of every journal error, so a runtime can catch them all in one place.</summary>
public class JournalException : Exception
{
    public JournalException(string message) : base(message) { }
    public JournalException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The requested index is below the first stored one: it was compacted into a snapshot. Send or use the snapshot.</summary>
public sealed class JournalCompactedException : JournalException
{
    public JournalCompactedException(ulong index, ulong firstIndex)
        : base($"index {index} is compacted (the first stored index is {firstIndex})")
    {
        Index = index;
        FirstIndex = firstIndex;
    }

    public ulong Index { get; }
    public ulong FirstIndex { get; }
}

/// <summary>The requested index is beyond the last stored one: the entries are not (yet) in the journal.</summary>
public sealed class JournalUnavailableException : JournalException
{
    public JournalUnavailableException(ulong index, ulong lastIndex)
        : base($"index {index} is unavailable (the last stored index is {lastIndex})")
    {
        Index = index;
        LastIndex = lastIndex;
    }

    public ulong Index { get; }
    public ulong LastIndex { get; }
}

/// <summary>A snapshot no newer than the stored one was offered; nothing was written.</summary>
public sealed class JournalSnapshotOutOfDateException : JournalException
{
    public JournalSnapshotOutOfDateException(ulong offeredIndex, ulong storedIndex)
        : base($"snapshot at index {offeredIndex} is out of date: the journal holds one at index {storedIndex}")
    {
        OfferedIndex = offeredIndex;
        StoredIndex = storedIndex;
    }

    public ulong OfferedIndex { get; }
    public ulong StoredIndex { get; }
}

/// <summary>
/// A write could not be made durable (I/O error, full disk, failed fsync). The journal refuses every later
/// call, because after a failed write what is on disk is unknown; the node must stop (fail-stop).
/// </summary>
public sealed class JournalWriteException : JournalException
{
    public JournalWriteException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Stored data is not what was written: a checksum mismatch, a gap in the log, a missing or unknown schema,
/// or a file that is not a journal at all. The message names the file and the record.
/// The journal never starts empty over data it cannot read.
/// </summary>
public sealed class JournalCorruptedException : JournalException
{
    public JournalCorruptedException(string path, string record, string problem, Exception? inner = null)
        : base($"{record} in {path}: {problem}", inner ?? new InvalidDataException(problem))
    {
        Path = path;
        Record = record;
    }

    /// <summary>The file (or in-memory store name) that holds the bad record.</summary>
    public string Path { get; }

    /// <summary>Which record is bad, e.g. "entry 42", "hard state", "schema".</summary>
    public string Record { get; }
}

/// <summary>Another open journal (in this or another process) already holds the store.</summary>
public sealed class JournalLockedException : JournalException
{
    public JournalLockedException(string path, Exception? inner = null)
        : base($"the journal {path} is already open elsewhere", inner ?? new IOException("locked"))
    {
        Path = path;
    }

    public string Path { get; }
}
