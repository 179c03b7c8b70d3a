using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime.Journal;

/// <summary>
/// The core's read view (<see cref="IRaftStorage"/>) of what the RaftActor has persisted. It is rebuilt by
/// replaying the actor's journal (<see cref="Restore"/> for its Akka snapshot, then <see cref="Apply"/> per
/// event) and then follows every write after it is durable: it never holds anything the journal does not.
/// <para>
/// Indexes: entries <c>(BaseIndex, LastIndex]</c> are held; <see cref="BaseIndex"/> is compacted but its term
/// is still known (etcd's dummy entry). The latest service snapshot may be above the base: entries behind it
/// are kept for lagging followers (<c>keep-entries-after-snapshot</c>). Only the RaftActor calls this class.
/// </para>
/// </summary>
internal sealed class RaftLogStorage : IRaftStorage
{
    private readonly List<Entry> _entries = [];
    private ulong _baseIndex;
    private ulong _baseTerm;
    private HardState _hardState = HardState.Empty;

    public HardState HardState => _hardState;

    /// <summary>The latest snapshot (its payload file), or null when there is none.</summary>
    public SnapshotReference? SnapshotRef { get; private set; }

    public ulong BaseIndex => _baseIndex;

    public ulong BaseTerm => _baseTerm;

    /// <summary>The held entries, in order (for the RaftActor's own snapshot).</summary>
    public IReadOnlyList<Entry> HeldEntries => _entries;

    /// <summary>The core restarts from the hard state and the membership as of the snapshot; later membership entries are re-applied as they are committed.</summary>
    public (HardState HardState, ConfState ConfState) InitialState() => (_hardState, SnapshotRef?.Metadata.ConfState ?? ConfState.Empty);

    public ulong FirstIndex() => _baseIndex + 1;

    public ulong LastIndex() => _baseIndex + (ulong)_entries.Count;

    public ulong Term(ulong index)
    {
        if (index == _baseIndex) return _baseTerm;
        if (index < _baseIndex) throw new LogCompactedException($"index {index} is compacted (the log starts after {_baseIndex})");
        if (index > LastIndex()) throw new LogUnavailableException($"index {index} is beyond the last index {LastIndex()}");
        return _entries[(int)(index - _baseIndex - 1)].Term;
    }

    public IReadOnlyList<Entry> Entries(ulong lo, ulong hi, ulong maxSize)
    {
        if (lo <= _baseIndex) throw new LogCompactedException($"index {lo} is compacted (the log starts after {_baseIndex})");
        if (hi > LastIndex() + 1) throw new LogUnavailableException($"entries up to {hi} requested but the last index is {LastIndex()}");
        if (lo > hi) throw new ArgumentException($"lo {lo} > hi {hi}");
        var start = (int)(lo - _baseIndex - 1);
        var count = (int)(hi - lo);
        var result = new List<Entry>(Math.Min(count, 64));
        ulong size = 0;
        for (var i = 0; i < count; i++)
        {
            var e = _entries[start + i];
            size += (ulong)e.Size;
            if (result.Count > 0 && size > maxSize) break;
            result.Add(e);
        }
        return result;
    }

    /// <summary>The snapshot's metadata only: the PeerActor streams its payload from the file when it sends it.</summary>
    public Snapshot Snapshot() => SnapshotRef is { } s ? new Snapshot(s.Metadata) : Messages.Snapshot.Empty;

    /// <summary>Restores the state an Akka snapshot of the RaftActor recorded (recovery, before later events).</summary>
    public void Restore(RaftActorSnapshot snapshot)
    {
        _entries.Clear();
        _baseIndex = snapshot.LogBaseIndex;
        _baseTerm = snapshot.LogBaseTerm;
        _hardState = snapshot.HardState;
        SnapshotRef = snapshot.Snapshot;
        CheckContiguous(snapshot.Entries, _baseIndex + 1, "the RaftActor's snapshot");
        _entries.AddRange(snapshot.Entries);
    }

    /// <summary>
    /// Applies one persisted Ready, exactly as it was applied when written: the snapshot replaces the log,
    /// entries truncate the log at their first index and append, the hard state replaces the stored one.
    /// </summary>
    public void Apply(ReadyPersisted ready)
    {
        if (ready.Snapshot is { } snap)
        {
            _entries.Clear();
            _baseIndex = snap.Metadata.Index;
            _baseTerm = snap.Metadata.Term;
            SnapshotRef = snap;
        }
        if (ready.Entries.Count > 0) Append(ready.Entries);
        if (ready.HardState is { } hs) _hardState = hs;
    }

    /// <summary>The services wrote a snapshot at an index this log holds: it becomes the latest; entries stay until <see cref="Compact"/>.</summary>
    public void RecordSnapshot(SnapshotReference snapshot)
    {
        if (SnapshotRef is { } old && old.Metadata.Index >= snapshot.Metadata.Index)
        {
            throw new InvalidOperationException($"snapshot {snapshot.Metadata.Index} is not newer than {old.Metadata.Index}");
        }
        SnapshotRef = snapshot;
    }

    /// <summary>Drops entries up to <paramref name="index"/> (at most the snapshot's index); that entry becomes the base.</summary>
    public void Compact(ulong index)
    {
        if (index <= _baseIndex) return;
        if (SnapshotRef is null || index > SnapshotRef.Metadata.Index)
        {
            throw new InvalidOperationException($"cannot compact to {index}: the snapshot is at {SnapshotRef?.Metadata.Index ?? 0}");
        }
        var term = Term(index);
        _entries.RemoveRange(0, (int)(index - _baseIndex));
        _baseIndex = index;
        _baseTerm = term;
    }

    private void Append(IReadOnlyList<Entry> entries)
    {
        var first = entries[0].Index;
        CheckContiguous(entries, first, "a persisted Ready");
        if (first <= _baseIndex)
        {
            // Entries at or below the base are compacted (or covered by the snapshot): skip them.
            var skip = (int)Math.Min((ulong)entries.Count, _baseIndex + 1 - first);
            if (skip == entries.Count) return;
            entries = entries.Skip(skip).ToArray();
            first = entries[0].Index;
        }
        if (first > LastIndex() + 1)
        {
            throw new InvalidOperationException($"a persisted Ready appends at {first} but the log ends at {LastIndex()}: the journal is inconsistent");
        }
        var keep = (int)(first - _baseIndex - 1);
        _entries.RemoveRange(keep, _entries.Count - keep);
        _entries.AddRange(entries);
    }

    private static void CheckContiguous(IReadOnlyList<Entry> entries, ulong first, string what)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Index != first + (ulong)i)
            {
                throw new InvalidOperationException($"{what} holds entry {entries[i].Index} where {first + (ulong)i} belongs: the journal is inconsistent");
            }
        }
    }
}
