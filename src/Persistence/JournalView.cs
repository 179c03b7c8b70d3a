using RaftActors.Messages;

namespace RaftActors.Persistence;

/// <summary>An index and the term of the entry there.</summary>
internal readonly record struct LogPosition(ulong Index, ulong Term);

/// <summary>
/// What one <see cref="IJournal.Save"/> does to the store, worked out before anything is written so that
/// a refused batch changes nothing and both journals apply exactly the same rules.
/// </summary>
internal sealed record WritePlan(
    SnapshotMetadata? Snapshot,
    bool DiscardLog,
    ulong? TruncateFrom,
    IReadOnlyList<Entry> Entries,
    HardState? HardState,
    LogPosition Base,
    ulong LastIndex);

/// <summary>
/// The journal's view of itself kept in memory (hard state, snapshot, log base, last index) and the rules
/// that decide whether a write is consistent. Shared by every <see cref="IJournal"/> implementation; the
/// implementations only execute plans. Not thread-safe: the owning journal serialises access.
/// </summary>
internal sealed class JournalView
{
    public JournalView(HardState hardState, SnapshotMetadata snapshot, LogPosition logBase, ulong lastIndex)
    {
        HardState = hardState;
        Snapshot = snapshot;
        Base = logBase;
        LastIndex = lastIndex;
    }

    public HardState HardState { get; private set; }
    public SnapshotMetadata Snapshot { get; private set; }

    /// <summary>The last compacted position: <c>FirstIndex - 1</c> and its term (etcd's dummy entry).</summary>
    public LogPosition Base { get; private set; }

    public ulong LastIndex { get; private set; }
    public ulong FirstIndex => Base.Index + 1;

    public JournalState ToState() => new(HardState, Snapshot, FirstIndex, LastIndex);

    /// <summary>Checks a batch against the stored state; throws without side effects if it is inconsistent.</summary>
    /// <param name="storedTerm">The term of a stored entry in <c>[FirstIndex, LastIndex]</c>.</param>
    public WritePlan Plan(JournalBatch batch, Func<ulong, ulong> storedTerm)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var logBase = Base;
        var last = LastIndex;
        var snapshotIndex = Snapshot.Index;
        var discard = false;
        if (batch.Snapshot is { } snapshot)
        {
            CheckNumber(snapshot.Index, "snapshot index");
            CheckNumber(snapshot.Term, "snapshot term");
            if (snapshot.Index <= Snapshot.Index) throw new JournalSnapshotOutOfDateException(snapshot.Index, Snapshot.Index);
            // A log that holds the snapshot's last entry continues it and stays (Raft §7 keeps it too);
            // any other log cannot follow the snapshot and is replaced by it.
            var continues = snapshot.Index <= last && storedTerm(snapshot.Index) == snapshot.Term;
            if (!continues)
            {
                discard = true;
                logBase = new LogPosition(snapshot.Index, snapshot.Term);
                last = snapshot.Index;
            }
            snapshotIndex = snapshot.Index;
        }

        ulong? truncateFrom = null;
        var entries = batch.Entries;
        if (entries.Count > 0)
        {
            CheckEntries(entries);
            var first = entries[0].Index;
            if (first <= snapshotIndex)
                throw new ArgumentException($"entry {first} is at or below the snapshot index {snapshotIndex} and cannot be rewritten", nameof(batch));
            if (first > last + 1)
                throw new ArgumentException($"entry {first} would leave a gap after the last index {last}", nameof(batch));
            if (first <= last) truncateFrom = first;
            last = entries[^1].Index;
        }
        if (batch.HardState is { } hs)
        {
            CheckNumber(hs.Term, "hard state term");
            CheckNumber(hs.Vote, "hard state vote");
            CheckNumber(hs.Commit, "hard state commit");
        }
        return new WritePlan(batch.Snapshot, discard, truncateFrom, entries, batch.HardState, logBase, last);
    }

    /// <summary>Records a plan that is now durable.</summary>
    public void Apply(WritePlan plan)
    {
        if (plan.Snapshot is not null) Snapshot = plan.Snapshot;
        if (plan.HardState is { } hs) HardState = hs;
        Base = plan.Base;
        LastIndex = plan.LastIndex;
    }

    /// <summary>The new base for <see cref="IJournal.Compact"/>, or <c>null</c> when there is nothing to drop.</summary>
    public LogPosition? PlanCompaction(ulong upToIndex, Func<ulong, ulong> storedTerm)
    {
        if (upToIndex > Snapshot.Index)
            throw new ArgumentOutOfRangeException(nameof(upToIndex), upToIndex,
                $"cannot compact above the snapshot index {Snapshot.Index}: the dropped entries would be lost");
        if (upToIndex <= Base.Index) return null;
        return new LogPosition(upToIndex, storedTerm(upToIndex));
    }

    public void ApplyCompaction(LogPosition newBase) => Base = newBase;

    /// <summary>Throws the contract's exception when <c>[lo, hi)</c> is not readable.</summary>
    public void CheckRange(ulong lo, ulong hi)
    {
        if (lo > hi) throw new ArgumentException($"the range [{lo}, {hi}) is inverted", nameof(lo));
        if (lo < FirstIndex) throw new JournalCompactedException(lo, FirstIndex);
        if (hi > LastIndex + 1) throw new JournalUnavailableException(hi - 1, LastIndex);
    }

    /// <summary>Throws when <paramref name="index"/> has no known term; returns true when the base answers it.</summary>
    public bool CheckTermIndex(ulong index)
    {
        if (index < Base.Index) throw new JournalCompactedException(index, FirstIndex);
        if (index > LastIndex) throw new JournalUnavailableException(index, LastIndex);
        return index == Base.Index;
    }

    public static void CheckMetaKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.Length > JournalLimits.MaxMetaKeyLength)
            throw new ArgumentException($"metadata keys are at most {JournalLimits.MaxMetaKeyLength} characters", nameof(key));
    }

    public static void CheckMetaValue(ReadOnlySpan<byte> value)
    {
        if (value.Length > JournalLimits.MaxMetaValueBytes)
            throw new ArgumentException($"metadata values are at most {JournalLimits.MaxMetaValueBytes} bytes", nameof(value));
    }

    private static void CheckEntries(IReadOnlyList<Entry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i] ?? throw new ArgumentException($"entry {i} of the batch is null", nameof(entries));
            CheckNumber(e.Index, "entry index");
            CheckNumber(e.Term, "entry term");
            if (e.Data.Length > JournalLimits.MaxEntryBytes)
                throw new ArgumentException($"entry {e.Index} holds {e.Data.Length} bytes, more than {JournalLimits.MaxEntryBytes}", nameof(entries));
            if (i > 0 && e.Index != entries[i - 1].Index + 1)
                throw new ArgumentException($"entry {e.Index} does not follow entry {entries[i - 1].Index}: a batch's indexes must be consecutive", nameof(entries));
        }
    }

    private static void CheckNumber(ulong value, string what)
    {
        if (value > JournalLimits.MaxIndex)
            throw new ArgumentOutOfRangeException(what, value, $"{what} is above {JournalLimits.MaxIndex}");
    }
}
