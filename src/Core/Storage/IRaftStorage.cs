using RaftActors.Messages;

namespace RaftActors.Core.Storage;

/// <summary>
/// Read access to what a node has persisted: the core reads its stable log through this interface,
/// while everything not yet persisted lives in the core's own unstable tail. The runtime writes to
/// the same store when it persists a <see cref="Ready"/>, before calling <see cref="RawNode.Advance"/>.
/// <para>
/// Contract (the same as etcd's Storage): index ranges are half-open <c>[lo, hi)</c>; the store holds a
/// snapshot at <c>FirstIndex - 1</c> (possibly the empty one at index 0) followed by contiguous entries up
/// to <see cref="LastIndex"/>. Returned lists are owned by the caller but the entries are immutable and
/// shared. Errors are exceptions: <see cref="LogCompactedException"/> for an index below the first
/// available one, <see cref="LogUnavailableException"/> for one above the last,
/// <see cref="SnapshotTemporarilyUnavailableException"/> when a snapshot is being made.
/// </para>
/// </summary>
public interface IRaftStorage
{
    /// <summary>The hard state and membership the node restarts from.</summary>
    (HardState HardState, ConfState ConfState) InitialState();

    /// <summary>
    /// Entries in <c>[lo, hi)</c>, stopping before the total <see cref="Entry.Size"/> would exceed
    /// <paramref name="maxSize"/> but always returning at least one entry when <c>lo &lt; hi</c>.
    /// Throws <see cref="LogCompactedException"/> when <c>lo &lt;= </c> the snapshot index and
    /// <see cref="LogUnavailableException"/> when <c>hi &gt; LastIndex + 1</c>.
    /// </summary>
    IReadOnlyList<Entry> Entries(ulong lo, ulong hi, ulong maxSize);

    /// <summary>
    /// The term of entry <paramref name="index"/>, for any index in <c>[FirstIndex - 1, LastIndex]</c>
    /// (the snapshot's own index answers with the snapshot's term).
    /// </summary>
    ulong Term(ulong index);

    /// <summary>The index of the last stored entry (the snapshot index when there are none).</summary>
    ulong LastIndex();

    /// <summary>The index of the first entry that may be read; older ones are in the snapshot.</summary>
    ulong FirstIndex();

    /// <summary>The most recent snapshot, to send to a follower that needs compacted entries.</summary>
    Snapshot Snapshot();
}

/// <summary>The requested index is in a snapshot already; its entry is gone.</summary>
public sealed class LogCompactedException(string message) : Exception(message);

/// <summary>The requested index is beyond the last stored entry.</summary>
public sealed class LogUnavailableException(string message) : Exception(message);

/// <summary>A snapshot older than (or as old as) the one held was offered or requested.</summary>
public sealed class SnapshotOutOfDateException(string message) : Exception(message);

/// <summary>No snapshot can be read right now (one is being made); the leader retries later.</summary>
public sealed class SnapshotTemporarilyUnavailableException(string message) : Exception(message);
