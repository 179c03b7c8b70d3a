using RaftActors.Core.Storage;
using RaftActors.Messages;
using RaftActors.Persistence;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The core's read view (<see cref="IRaftStorage"/>) of the node's <see cref="IJournal"/>, and the only
/// writer of it on the Raft path. Recent entries are also kept in memory (<see cref="_tail"/>), because a
/// leader reads the entries it just persisted again to send them to each follower; without the tail every
/// append to every follower would be a database read. Only the RaftActor's loop calls this class.
/// </summary>
internal sealed class JournalStorage : IRaftStorage
{
    private readonly IJournal _journal;
    private readonly int _tailCapacity;
    private readonly List<Entry> _tail = [];
    private ConfState _initialConfState;

    public JournalStorage(IJournal journal, int tailCapacity = 16_384)
    {
        _journal = journal;
        _tailCapacity = tailCapacity;
        _initialConfState = journal.State.ConfState;
    }

    public IJournal Journal => _journal;

    public (HardState HardState, ConfState ConfState) InitialState() => (_journal.State.HardState, _initialConfState);

    public ulong FirstIndex() => _journal.FirstIndex;

    public ulong LastIndex() => _journal.LastIndex;

    public ulong Term(ulong index)
    {
        if (_tail.Count > 0 && index >= _tail[0].Index && index <= _tail[^1].Index) return _tail[(int)(index - _tail[0].Index)].Term;
        try
        {
            return _journal.Term(index);
        }
        catch (JournalCompactedException ex)
        {
            throw new LogCompactedException(ex.Message);
        }
        catch (JournalUnavailableException ex)
        {
            throw new LogUnavailableException(ex.Message);
        }
    }

    public IReadOnlyList<Entry> Entries(ulong lo, ulong hi, ulong maxSize)
    {
        if (_tail.Count > 0 && lo >= _tail[0].Index && hi <= _tail[^1].Index + 1 && lo >= _journal.FirstIndex)
        {
            var start = (int)(lo - _tail[0].Index);
            var count = (int)(hi - lo);
            var result = new List<Entry>(Math.Min(count, 64));
            ulong size = 0;
            for (var i = 0; i < count; i++)
            {
                var e = _tail[start + i];
                size += (ulong)e.Size;
                if (result.Count > 0 && size > maxSize) break;
                result.Add(e);
            }
            return result;
        }
        try
        {
            return _journal.Entries(lo, hi, maxSize);
        }
        catch (JournalCompactedException ex)
        {
            throw new LogCompactedException(ex.Message);
        }
        catch (JournalUnavailableException ex)
        {
            throw new LogUnavailableException(ex.Message);
        }
    }

    /// <summary>
    /// The latest snapshot's metadata. Its payload is not loaded: the PeerActor streams it from the
    /// journal when it sends the snapshot, so a large state is never held in memory.
    /// </summary>
    public Snapshot Snapshot()
    {
        var meta = _journal.State.Snapshot;
        return meta.Index == 0 ? Messages.Snapshot.Empty : new Snapshot(meta);
    }

    /// <summary>One durable write of a Ready (the group commit), then the tail follows the journal.</summary>
    public void Save(JournalBatch batch)
    {
        _journal.Save(batch);
        if (batch.Snapshot is { } snap && (_tail.Count == 0 || _tail[0].Index > snap.Index || !TailHolds(snap.Index, snap.Term)))
        {
            _tail.Clear();
        }
        if (batch.Entries.Count > 0) AppendToTail(batch.Entries);
    }

    private bool TailHolds(ulong index, ulong term) =>
        _tail.Count > 0 && index >= _tail[0].Index && index <= _tail[^1].Index && _tail[(int)(index - _tail[0].Index)].Term == term;

    private void AppendToTail(IReadOnlyList<Entry> entries)
    {
        var first = entries[0].Index;
        if (_tail.Count > 0 && (first > _tail[^1].Index + 1 || first < _tail[0].Index)) _tail.Clear();
        if (_tail.Count > 0) _tail.RemoveRange((int)(first - _tail[0].Index), _tail.Count - (int)(first - _tail[0].Index));
        _tail.AddRange(entries);
        if (_tail.Count > _tailCapacity) _tail.RemoveRange(0, _tail.Count - _tailCapacity);
    }

    /// <summary>Drops entries up to <paramref name="index"/> from the journal (they are covered by a snapshot).</summary>
    public void Compact(ulong index)
    {
        _journal.Compact(index);
        if (_tail.Count == 0 || _tail[0].Index > index) return;
        // One range removal: compaction drops thousands of entries at once, one RemoveAt(0) each would be quadratic.
        _tail.RemoveRange(0, (int)Math.Min((ulong)_tail.Count, index - _tail[0].Index + 1));
    }

    /// <summary>
    /// Writes the bootstrap of a new cluster: one membership entry per voter at term 1, committed, so that
    /// every founding member starts from the same log (etcd's Bootstrap).
    /// </summary>
    public void Bootstrap(IReadOnlyList<(ulong Id, string Address)> voters)
    {
        if (_journal.LastIndex != 0 || !_journal.State.HardState.IsEmpty)
        {
            throw new InvalidOperationException("cannot bootstrap: the journal is not empty");
        }
        var entries = new List<Entry>();
        ulong index = 1;
        foreach (var (id, address) in voters.OrderBy(v => v.Id))
        {
            var change = ConfChange.AddVoter(id, new MembershipContext(0, 0, address).Encode());
            entries.Add(new Entry(1, index++, EntryType.ConfChange, RaftCodec.Encode(change)));
        }
        Save(new JournalBatch(entries, new HardState(1, 0, (ulong)entries.Count)));
        _initialConfState = ConfState.Empty;
    }
}
