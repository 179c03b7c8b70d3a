using RaftActors.Messages;

namespace RaftActors.Persistence;

/// <summary>
/// The durable store of one Raft node: log entries, the hard state, the latest snapshot and a small
/// key/value table for the runtime. It stores what it is told and checks only that what it stores is
/// self-consistent (a contiguous log that continues its base); it decides nothing about Raft.
/// <para>
/// Indexes: the log holds the entries <c>[FirstIndex, LastIndex]</c>. Everything at or below
/// <c>FirstIndex - 1</c> (the log's base) is compacted; the term of the base entry is still known
/// (<see cref="Term"/>), like etcd's dummy entry. With nothing stored, <c>FirstIndex = 1</c> and
/// <c>LastIndex = 0</c>. Invariant: <c>FirstIndex - 1 &lt;= snapshot index</c>, so no compacted entry
/// is ever missing from the snapshot.
/// </para>
/// <para>
/// Errors: <see cref="JournalCompactedException"/> and <see cref="JournalUnavailableException"/> are
/// ordinary answers the caller handles (send a snapshot, wait for entries). <see cref="ArgumentException"/>
/// means the caller asked for something inconsistent and nothing was changed.
/// <see cref="JournalWriteException"/> and <see cref="JournalCorruptedException"/> mean the disk cannot
/// be trusted: the node must stop (fail-stop) and must not acknowledge anything it asked to be written.
/// After a <see cref="JournalWriteException"/> every later call throws it again.
/// </para>
/// <para>
/// Thread safety: implementations are safe to call from several threads; calls are serialised.
/// Buffers: every <see cref="Entry"/> passed in or handed out is immutable by contract (see
/// <see cref="Entry"/>), so the journal may keep the objects it is given and callers may keep what they
/// get. Byte arrays returned by <see cref="GetMeta"/> are fresh copies owned by the caller.
/// </para>
/// </summary>
public interface IJournal : IDisposable
{
    /// <summary>
    /// What a node restarting from this journal needs: hard state, the latest snapshot's metadata
    /// (<see cref="SnapshotMetadata.Empty"/> if none), first and last index, and the membership as of
    /// the snapshot. Reflects every <see cref="Save"/> that has returned.
    /// </summary>
    JournalState State { get; }

    /// <summary>The index of the first entry still stored; <c>LastIndex + 1</c> when the log is empty.</summary>
    ulong FirstIndex { get; }

    /// <summary>The index of the last entry stored, or the base index (snapshot index) when the log is empty.</summary>
    ulong LastIndex { get; }

    /// <summary>
    /// Makes one batch durable as a single atomic write (the group commit of one Raft Ready), and returns
    /// only once it is durable. Either the whole batch is stored or none of it is. Applied in this order:
    /// <list type="number">
    /// <item>The snapshot, if any. Its index must be above the current snapshot's index, else
    /// <see cref="JournalSnapshotOutOfDateException"/> and nothing is written. It replaces the older
    /// snapshot. If the log holds the snapshot's index with the snapshot's term, the log continues the
    /// snapshot and is kept as it is (drop the prefix later with <see cref="Compact"/>, which lets a
    /// node keep trailing entries for lagging followers). Otherwise the whole log is discarded and its
    /// base becomes the snapshot (<c>FirstIndex = snapshot index + 1</c>). The payload is read from
    /// the stream's current position to its end, in chunks; it is never held in memory whole.</item>
    /// <item>The entries, which must have consecutive indexes. An entry at index i first discards every
    /// stored entry with index &gt;= i (suffix truncation). The first entry's index must lie in
    /// <c>(snapshot index, LastIndex + 1]</c>: entries at or below the snapshot cannot be rewritten and
    /// a gap cannot be stored (<see cref="ArgumentException"/>, nothing written). Each entry's data is at
    /// most <see cref="JournalLimits.MaxEntryBytes"/>.</item>
    /// <item>The hard state, if any, replaces the stored one.</item>
    /// </list>
    /// </summary>
    /// <exception cref="JournalWriteException">The write failed; the journal is now unusable.</exception>
    void Save(JournalBatch batch);

    /// <summary>
    /// Saves a snapshot alone: <c>Save(JournalBatch.WithSnapshot(metadata, payload))</c>, same rules.
    /// The stream is read to its end and not disposed; the caller owns it.
    /// </summary>
    void SaveSnapshot(SnapshotMetadata metadata, Stream payload) =>
        Save(JournalBatch.Empty.WithSnapshot(metadata, payload));

    /// <summary>
    /// The entries <c>[lo, hi)</c> in index order, stopping before the total <see cref="Entry.Size"/> would
    /// exceed <paramref name="maxBytes"/>, but always at least one entry when <c>lo &lt; hi</c>. Returns an
    /// empty list when <c>lo == hi</c>. The list is a fresh one owned by the caller.
    /// </summary>
    /// <exception cref="JournalCompactedException"><paramref name="lo"/> &lt; <see cref="FirstIndex"/>.</exception>
    /// <exception cref="JournalUnavailableException"><paramref name="hi"/> &gt; <c>LastIndex + 1</c>.</exception>
    /// <exception cref="ArgumentException"><paramref name="lo"/> &gt; <paramref name="hi"/>.</exception>
    /// <exception cref="JournalCorruptedException">A stored entry failed its checksum.</exception>
    IReadOnlyList<Entry> Entries(ulong lo, ulong hi, ulong maxBytes = ulong.MaxValue);

    /// <summary>
    /// The term of the entry at <paramref name="index"/>, for any index in <c>[FirstIndex - 1, LastIndex]</c>:
    /// the base index (the snapshot's index after a snapshot replaced the log) answers with its term,
    /// and <c>Term(0) == 0</c> on an empty journal.
    /// </summary>
    /// <exception cref="JournalCompactedException"><paramref name="index"/> &lt; <c>FirstIndex - 1</c>.</exception>
    /// <exception cref="JournalUnavailableException"><paramref name="index"/> &gt; <see cref="LastIndex"/>.</exception>
    ulong Term(ulong index);

    /// <summary>
    /// Durably drops every entry with index &lt;= <paramref name="upToIndex"/> (prefix compaction).
    /// Allowed only up to the latest snapshot's index, so that what is dropped is covered by a snapshot;
    /// the caller chooses how far below it to stop (trailing entries for lagging followers).
    /// Compacting at or below the current base does nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="upToIndex"/> is above the snapshot's index.</exception>
    void Compact(ulong upToIndex);

    /// <summary>
    /// The latest snapshot, or <c>null</c> when none was saved. The returned object holds its own read
    /// view: later saves do not change what it reads, and it stays readable after the journal is
    /// disposed. The caller owns and must dispose it. Its stream checks the payload's checksums as it
    /// reads and throws <see cref="JournalCorruptedException"/> on a mismatch.
    /// </summary>
    JournalSnapshot? OpenSnapshot();

    /// <summary>The value stored under <paramref name="key"/>, as a fresh array, or <c>null</c>.</summary>
    byte[]? GetMeta(string key);

    /// <summary>
    /// Durably stores <paramref name="value"/> under <paramref name="key"/> (replacing any older value), in
    /// its own write. Keys are 1 to <see cref="JournalLimits.MaxMetaKeyLength"/> characters; values at most
    /// <see cref="JournalLimits.MaxMetaValueBytes"/>. The journal copies the value.
    /// </summary>
    void SetMeta(string key, ReadOnlySpan<byte> value);

    /// <summary>Durably removes <paramref name="key"/>; returns whether it was present.</summary>
    bool RemoveMeta(string key);
}
