using RaftActors.Messages;

namespace RaftActors.Core;

/// <summary>
/// The tail of the log that the core holds but the runtime has not persisted yet, and possibly a
/// received snapshot not yet persisted. Entry <c>i</c> sits at position <c>i - Offset</c>.
/// The runtime learns of this content through <see cref="Ready.Entries"/> / <see cref="Ready.Snapshot"/>
/// and confirms with <see cref="RawNode.Advance"/>, which calls <see cref="StableTo"/>.
/// </summary>
internal sealed class UnstableLog
{
    private List<Entry> _entries = [];

    public UnstableLog(ulong offset) => Offset = offset;

    public Snapshot? Snapshot { get; private set; }

    public ulong Offset { get; private set; }

    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>The first index if a pending snapshot decides it.</summary>
    public ulong? MaybeFirstIndex() => Snapshot is null ? null : Snapshot.Metadata.Index + 1;

    /// <summary>The last index if the unstable tail or a pending snapshot decides it.</summary>
    public ulong? MaybeLastIndex()
    {
        if (_entries.Count != 0) return Offset + (ulong)_entries.Count - 1;
        return Snapshot?.Metadata.Index;
    }

    public ulong? MaybeTerm(ulong index)
    {
        if (index < Offset)
        {
            return Snapshot is not null && Snapshot.Metadata.Index == index ? Snapshot.Metadata.Term : null;
        }
        var last = MaybeLastIndex();
        if (last is null || index > last) return null;
        return _entries[(int)(index - Offset)].Term;
    }

    /// <summary>Entries up to <paramref name="index"/> (whose term is <paramref name="term"/>) are durable now.</summary>
    public void StableTo(ulong index, ulong term)
    {
        var known = MaybeTerm(index);
        // A term mismatch means a newer leader replaced these entries after the Ready was taken: keep them.
        if (known != term || index < Offset) return;
        var count = (int)(index + 1 - Offset);
        _entries.RemoveRange(0, Math.Min(count, _entries.Count));
        Offset = index + 1;
    }

    public void StableSnapshotTo(ulong index)
    {
        if (Snapshot is not null && Snapshot.Metadata.Index == index) Snapshot = null;
    }

    public void Restore(Snapshot snapshot)
    {
        Offset = snapshot.Metadata.Index + 1;
        _entries = [];
        Snapshot = snapshot;
    }

    /// <summary>Appends, replacing any unstable entries at or after the first new index.</summary>
    public void TruncateAndAppend(IReadOnlyList<Entry> entries)
    {
        var after = entries[0].Index;
        if (after == Offset + (ulong)_entries.Count)
        {
            _entries.AddRange(entries);
        }
        else if (after <= Offset)
        {
            // The new entries replace everything unstable and start before it: the runtime must truncate
            // its stored suffix from `after` when it persists them.
            Offset = after;
            _entries = [.. entries];
        }
        else
        {
            _entries.RemoveRange((int)(after - Offset), _entries.Count - (int)(after - Offset));
            _entries.AddRange(entries);
        }
    }

    public IReadOnlyList<Entry> Slice(ulong lo, ulong hi)
    {
        if (lo > hi || lo < Offset || hi > Offset + (ulong)_entries.Count)
        {
            throw new RaftInvariantException($"unstable slice [{lo}, {hi}) out of bounds [{Offset}, {Offset + (ulong)_entries.Count})");
        }
        return _entries.GetRange((int)(lo - Offset), (int)(hi - lo));
    }
}
