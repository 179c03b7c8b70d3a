namespace RaftActors.Persistence;

/// <summary>Size limits every journal enforces, so that one oversized record cannot wedge a node.</summary>
public static class JournalLimits
{
    /// <summary>The largest <see cref="Messages.Entry.Data"/> a journal stores (64 MiB).</summary>
    public const int MaxEntryBytes = 64 * 1024 * 1024;

    /// <summary>The longest metadata key, in characters.</summary>
    public const int MaxMetaKeyLength = 256;

    /// <summary>The largest metadata value (1 MiB).</summary>
    public const int MaxMetaValueBytes = 1024 * 1024;

    /// <summary>
    /// Indexes and terms are stored as SQLite's signed 64-bit integers; a Raft log never comes near this,
    /// and refusing larger values beats wrapping them to negative numbers.
    /// </summary>
    public const ulong MaxIndex = long.MaxValue;
}
