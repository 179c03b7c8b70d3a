using RaftActors.Messages;

namespace RaftActors.Core.Storage;

/// <summary>
/// An in-memory <see cref="IRaftStorage"/> for tests and simulations, also writable the way a durable
/// journal is: <see cref="Append"/>, <see cref="SetHardState"/>, <see cref="ApplySnapshot"/>,
/// <see cref="CreateSnapshot"/> and <see cref="Compact"/>. Slot 0 of the entry list is a dummy entry
/// holding the snapshot's index and term, so that <see cref="Term"/> answers for the snapshot index.
/// Not thread-safe: one owner at a time.
/// </summary>
public sealed class MemoryStorage : IRaftStorage
{
    private readonly List<Entry> _entries = [new Entry(0, 0)];
    private HardState _hardState;
    private Snapshot _snapshot = Messages.Snapshot.Empty;

    /// <summary>A storage whose initial membership is <paramref name="confState"/> (a fresh cluster).</summary>
    public static MemoryStorage WithMembers(ConfState confState)
    {
        var storage = new MemoryStorage();
        storage._snapshot = new Snapshot(new SnapshotMetadata(0, 0, confState));
        return storage;
    }

    public static MemoryStorage WithVoters(params ulong[] voters) => WithMembers(new ConfState(voters));

    public HardState HardState => _hardState;

    public (HardState HardState, ConfState ConfState) InitialState() => (_hardState, _snapshot.Metadata.ConfState);

    public void SetHardState(HardState state) => _hardState = state;

    private ulong Offset => _entries[0].Index;

    public ulong FirstIndex() => Offset + 1;

    public ulong LastIndex() => Offset + (ulong)_entries.Count - 1;

    public IReadOnlyList<Entry> Entries(ulong lo, ulong hi, ulong maxSize)
    {
        if (lo <= Offset) throw new LogCompactedException($"index {lo} is compacted (snapshot at {Offset})");
        if (hi > LastIndex() + 1) throw new LogUnavailableException($"entries up to {hi} requested but the last index is {LastIndex()}");
        var slice = _entries.GetRange((int)(lo - Offset), (int)(hi - lo));
        return LogSizes.Limit(slice, maxSize);
    }

    public ulong Term(ulong index)
    {
        if (index < Offset) throw new LogCompactedException($"index {index} is compacted (snapshot at {Offset})");
        if (index - Offset >= (ulong)_entries.Count) throw new LogUnavailableException($"index {index} is beyond the last index {LastIndex()}");
        return _entries[(int)(index - Offset)].Term;
    }

    public Snapshot Snapshot() => _snapshot;

    /// <summary>Replaces the whole content with a snapshot (a follower receiving one).</summary>
    public void ApplySnapshot(Snapshot snapshot)
    {
        if (_snapshot.Metadata.Index >= snapshot.Metadata.Index)
        {
            throw new SnapshotOutOfDateException($"snapshot at {snapshot.Metadata.Index} is not newer than {_snapshot.Metadata.Index}");
        }
        _snapshot = snapshot;
        _entries.Clear();
        _entries.Add(new Entry(snapshot.Metadata.Term, snapshot.Metadata.Index));
    }

    /// <summary>Records a snapshot of the service at <paramref name="index"/>; entries stay until <see cref="Compact"/>.</summary>
    public Snapshot CreateSnapshot(ulong index, ConfState confState, byte[] data)
    {
        if (index <= _snapshot.Metadata.Index) throw new SnapshotOutOfDateException($"snapshot at {index} is not newer than {_snapshot.Metadata.Index}");
        if (index > LastIndex()) throw new LogUnavailableException($"snapshot index {index} is beyond the last index {LastIndex()}");
        _snapshot = new Snapshot(new SnapshotMetadata(index, _entries[(int)(index - Offset)].Term, confState), data);
        return _snapshot;
    }

    /// <summary>Discards entries up to and including <paramref name="compactIndex"/>; that entry becomes the dummy.</summary>
    public void Compact(ulong compactIndex)
    {
        if (compactIndex <= Offset) throw new LogCompactedException($"index {compactIndex} is compacted already");
        if (compactIndex > LastIndex()) throw new LogUnavailableException($"compact index {compactIndex} is beyond the last index {LastIndex()}");
        var i = (int)(compactIndex - Offset);
        var dummy = new Entry(_entries[i].Term, _entries[i].Index);
        _entries.RemoveRange(0, i + 1);
        _entries.Insert(0, dummy);
    }

    /// <summary>
    /// Appends entries, first discarding every stored entry at or after the first new index
    /// (a new leader may overwrite an uncommitted suffix). Entries already compacted are skipped.
    /// </summary>
    public void Append(IReadOnlyList<Entry> entries)
    {
        if (entries.Count == 0) return;
        var first = FirstIndex();
        var last = entries[0].Index + (ulong)entries.Count - 1;
        if (last < first) return;
        var skip = first > entries[0].Index ? (int)(first - entries[0].Index) : 0;
        var start = entries[skip].Index;
        var offset = start - Offset;
        if ((ulong)_entries.Count < offset)
        {
            throw new LogUnavailableException($"missing log entries: last stored index {LastIndex()}, appending at {start}");
        }
        _entries.RemoveRange((int)offset, _entries.Count - (int)offset);
        for (var i = skip; i < entries.Count; i++) _entries.Add(entries[i]);
    }
}
