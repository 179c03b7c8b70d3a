using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.Core;

/// <summary>
/// The node's view of its log: the stable part in <see cref="IRaftStorage"/> followed by the unstable
/// tail, plus the commit and applied cursors. Invariant: <c>applied &lt;= committed &lt;= LastIndex</c>.
/// </summary>
internal sealed class RaftLog
{
    private readonly IRaftStorage _storage;
    private readonly ulong _maxApplySize;

    public RaftLog(IRaftStorage storage, ulong maxApplySize)
    {
        _storage = storage;
        _maxApplySize = maxApplySize;
        var first = storage.FirstIndex();
        Unstable = new UnstableLog(storage.LastIndex() + 1);
        Committed = first - 1;
        Applied = first - 1;
    }

    public UnstableLog Unstable { get; }

    public ulong Committed { get; private set; }

    public ulong Applied { get; private set; }

    public ulong FirstIndex() => Unstable.MaybeFirstIndex() ?? _storage.FirstIndex();

    public ulong LastIndex() => Unstable.MaybeLastIndex() ?? _storage.LastIndex();

    public ulong LastTerm() => Term(LastIndex()) ?? throw new RaftInvariantException($"no term for the last index {LastIndex()}");

    /// <summary>The term at <paramref name="index"/>; null when the index is compacted or beyond the log.</summary>
    public ulong? Term(ulong index)
    {
        var dummy = FirstIndex() - 1;
        if (index < dummy || index > LastIndex()) return null;
        if (Unstable.MaybeTerm(index) is { } t) return t;
        try
        {
            return _storage.Term(index);
        }
        catch (LogCompactedException)
        {
            return null;
        }
        catch (LogUnavailableException)
        {
            return null;
        }
    }

    /// <summary>The term at <paramref name="index"/>, or 0 when it is compacted (so it matches no real term).</summary>
    public ulong TermOrZero(ulong index) => Term(index) ?? 0;

    public bool MatchTerm(ulong index, ulong term) => Term(index) is { } t && t == term;

    /// <summary>§5.4.1: a candidate's log is at least as up to date as ours.</summary>
    public bool IsUpToDate(ulong lastIndex, ulong term)
    {
        var ourTerm = LastTerm();
        return term > ourTerm || (term == ourTerm && lastIndex >= LastIndex());
    }

    /// <summary>
    /// Follower side of AppendEntries (§5.3): if our entry at <paramref name="index"/> has
    /// <paramref name="logTerm"/>, append what conflicts or is new and advance the commit index.
    /// Returns the index of the last new entry, or null when the consistency check fails.
    /// </summary>
    public ulong? MaybeAppend(ulong index, ulong logTerm, ulong committed, IReadOnlyList<Entry> entries)
    {
        if (!MatchTerm(index, logTerm)) return null;
        var lastNew = index + (ulong)entries.Count;
        var conflict = FindConflict(entries);
        if (conflict != 0)
        {
            if (conflict <= Committed)
            {
                throw new RaftInvariantException($"entry {conflict} conflicts with a committed entry (committed {Committed})");
            }
            var skip = (int)(conflict - (index + 1));
            Append(skip == 0 ? entries : entries.Skip(skip).ToArray());
        }
        CommitTo(Math.Min(committed, lastNew));
        return lastNew;
    }

    public ulong Append(IReadOnlyList<Entry> entries)
    {
        if (entries.Count == 0) return LastIndex();
        if (entries[0].Index - 1 < Committed)
        {
            throw new RaftInvariantException($"appending after {entries[0].Index - 1} would overwrite committed entries up to {Committed}");
        }
        Unstable.TruncateAndAppend(entries);
        return LastIndex();
    }

    /// <summary>The first index whose term differs from ours (or that we lack), 0 when all match.</summary>
    private ulong FindConflict(IReadOnlyList<Entry> entries)
    {
        foreach (var e in entries)
        {
            if (!MatchTerm(e.Index, e.Term)) return e.Index;
        }
        return 0;
    }

    /// <summary>
    /// Fast log backtracking: the largest index &lt;= <paramref name="index"/> whose term is &lt;= <paramref name="term"/>.
    /// Lets a leader skip a whole term of conflicting entries per round trip instead of one entry.
    /// </summary>
    public ulong FindConflictByTerm(ulong index, ulong term)
    {
        if (index > LastIndex()) return index;
        while (true)
        {
            var t = Term(index);
            if (t is null || t <= term) return index;
            index--;
        }
    }

    public IReadOnlyList<Entry> UnstableEntries => Unstable.Entries;

    /// <summary>Committed entries not yet handed to the service, bounded by the apply batch size.</summary>
    public IReadOnlyList<Entry> NextCommittedEntries()
    {
        var from = Math.Max(Applied + 1, FirstIndex());
        return Committed + 1 > from ? Slice(from, Committed + 1, _maxApplySize) ?? [] : [];
    }

    public bool HasNextCommittedEntries() => Committed + 1 > Math.Max(Applied + 1, FirstIndex());

    public bool HasPendingSnapshot => Unstable.Snapshot is { IsEmpty: false };

    public Snapshot Snapshot() => Unstable.Snapshot ?? _storage.Snapshot();

    public void CommitTo(ulong index)
    {
        if (Committed >= index) return;
        if (LastIndex() < index)
        {
            throw new RaftInvariantException($"commit index {index} is beyond the last index {LastIndex()}: the log is corrupted, truncated or lost");
        }
        Committed = index;
    }

    public void AppliedTo(ulong index)
    {
        if (index == 0) return;
        if (Committed < index || index < Applied)
        {
            throw new RaftInvariantException($"applied index {index} is outside [{Applied}, {Committed}]");
        }
        Applied = index;
    }

    public void StableTo(ulong index, ulong term) => Unstable.StableTo(index, term);

    public void StableSnapshotTo(ulong index) => Unstable.StableSnapshotTo(index);

    /// <summary>Leader side of §5.4.2: commit only an entry of the current term.</summary>
    public bool MaybeCommit(ulong maxIndex, ulong term)
    {
        if (maxIndex > Committed && TermOrZero(maxIndex) == term)
        {
            CommitTo(maxIndex);
            return true;
        }
        return false;
    }

    public void Restore(Snapshot snapshot)
    {
        Committed = snapshot.Metadata.Index;
        Unstable.Restore(snapshot);
    }

    /// <summary>Entries from <paramref name="index"/> to the end; null when <paramref name="index"/> is compacted.</summary>
    public IReadOnlyList<Entry>? EntriesFrom(ulong index, ulong maxSize) =>
        index > LastIndex() ? [] : Slice(index, LastIndex() + 1, maxSize);

    /// <summary>Entries in <c>[lo, hi)</c>; null when <paramref name="lo"/> is compacted.</summary>
    public IReadOnlyList<Entry>? Slice(ulong lo, ulong hi, ulong maxSize)
    {
        if (lo > hi) throw new RaftInvariantException($"invalid slice [{lo}, {hi})");
        if (lo < FirstIndex()) return null;
        if (hi > LastIndex() + 1) throw new RaftInvariantException($"slice [{lo}, {hi}) is beyond the last index {LastIndex()}");
        if (lo == hi) return [];
        IReadOnlyList<Entry> result = [];
        var offset = Unstable.Offset;
        if (lo < offset)
        {
            var end = Math.Min(hi, offset);
            IReadOnlyList<Entry> stored;
            try
            {
                stored = _storage.Entries(lo, end, maxSize);
            }
            catch (LogCompactedException)
            {
                return null;
            }
            if ((ulong)stored.Count < end - lo) return stored; // the size limit cut it short
            result = stored;
        }
        if (hi > offset)
        {
            var unstable = Unstable.Slice(Math.Max(lo, offset), hi);
            result = result.Count == 0 ? unstable : [.. result, .. unstable];
        }
        return LogSizes.Limit(result, maxSize);
    }

    public override string ToString() =>
        $"committed={Committed} applied={Applied} unstable.offset={Unstable.Offset} unstable.len={Unstable.Entries.Count}";
}
