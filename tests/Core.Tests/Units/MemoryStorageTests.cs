using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.Core.Tests.Units;

/// <summary>The in-memory storage and its contract: [lo, hi) ranges, size limits, compaction and snapshots.</summary>
public sealed class MemoryStorageTests
{
    private static Entry[] Entries(ulong firstIndex, params ulong[] terms) =>
        terms.Select((t, i) => new Entry(t, firstIndex + (ulong)i, EntryType.Normal, new byte[4])).ToArray();

    /// <summary>Entries 3/3 4/4 5/5 after a snapshot at 2 (etcd's storage tests start the same way).</summary>
    private static MemoryStorage Storage()
    {
        var s = new MemoryStorage();
        s.Append(Entries(1, 1, 2, 3, 4, 5));
        s.Compact(2);
        return s;
    }

    [Fact]
    public void Empty_storage_starts_at_index_1_with_nothing_stored()
    {
        var s = new MemoryStorage();
        Assert.Equal((1UL, 0UL, 0UL), (s.FirstIndex(), s.LastIndex(), s.Term(0)));
        Assert.True(s.Snapshot().IsEmpty);
    }

    [Theory]
    [InlineData(1UL, null, typeof(LogCompactedException))]
    [InlineData(2UL, 2UL, null)] // the compaction point answers with its term
    [InlineData(4UL, 4UL, null)]
    [InlineData(5UL, 5UL, null)]
    [InlineData(6UL, null, typeof(LogUnavailableException))]
    public void Term_answers_from_the_compaction_point_to_the_last_index(ulong index, ulong? term, Type? error)
    {
        var s = Storage();
        if (error is null) Assert.Equal(term, s.Term(index));
        else Assert.Throws(error, () => s.Term(index));
    }

    [Theory]
    [InlineData(2UL, 4UL, ulong.MaxValue, typeof(LogCompactedException), 0)]
    [InlineData(3UL, 4UL, ulong.MaxValue, null, 1)]
    [InlineData(3UL, 6UL, ulong.MaxValue, null, 3)]
    [InlineData(4UL, 6UL, ulong.MaxValue, null, 2)]
    [InlineData(3UL, 6UL, 0UL, null, 1)]   // at least one entry
    [InlineData(3UL, 6UL, 40UL, null, 2)]  // 20 bytes each
    [InlineData(3UL, 6UL, 59UL, null, 2)]
    [InlineData(3UL, 6UL, 60UL, null, 3)]
    [InlineData(3UL, 7UL, ulong.MaxValue, typeof(LogUnavailableException), 0)]
    public void Entries_returns_the_half_open_range_within_the_size_limit(ulong lo, ulong hi, ulong maxSize, Type? error, int count)
    {
        var s = Storage();
        if (error is not null)
        {
            Assert.Throws(error, () => s.Entries(lo, hi, maxSize));
            return;
        }
        var got = s.Entries(lo, hi, maxSize);
        Assert.Equal(Enumerable.Range((int)lo, count).Select(i => (ulong)i), got.Select(e => e.Index));
    }

    [Fact]
    public void Compact_keeps_the_compaction_point_as_a_dummy()
    {
        var s = Storage();
        Assert.Throws<LogCompactedException>(() => s.Compact(2));
        Assert.Throws<LogUnavailableException>(() => s.Compact(6));
        s.Compact(4);
        Assert.Equal((5UL, 5UL, 4UL), (s.FirstIndex(), s.LastIndex(), s.Term(4)));
        Assert.Throws<LogCompactedException>(() => s.Term(3));
    }

    // Storage 3/3 4/4 5/5 after 2; appended entries -> terms of indexes 3.. afterwards
    [Theory]
    [InlineData(3UL, new ulong[] { 3, 4, 5 }, new ulong[] { 3, 4, 5 })]    // identical
    [InlineData(3UL, new ulong[] { 3, 6, 6 }, new ulong[] { 3, 6, 6 })]    // overwrite from 4
    [InlineData(3UL, new ulong[] { 3, 4, 5, 5 }, new ulong[] { 3, 4, 5, 5 })]
    [InlineData(1UL, new ulong[] { 3, 3, 5 }, new ulong[] { 5 })]          // the compacted prefix is skipped
    [InlineData(4UL, new ulong[] { 5 }, new ulong[] { 3, 5 })]             // truncate the suffix from 4
    [InlineData(6UL, new ulong[] { 5 }, new ulong[] { 3, 4, 5, 5 })]       // plain append
    [InlineData(1UL, new ulong[] { 1 }, new ulong[] { 3, 4, 5 })]          // entirely compacted: nothing
    public void Append_discards_every_stored_entry_from_the_first_new_index(ulong first, ulong[] terms, ulong[] expected)
    {
        var s = Storage();
        s.Append(Entries(first, terms));
        Assert.Equal(expected, s.Entries(3, s.LastIndex() + 1, ulong.MaxValue).Select(e => e.Term));
    }

    [Fact]
    public void Append_leaving_a_gap_is_refused()
    {
        var s = Storage();
        Assert.Throws<LogUnavailableException>(() => s.Append(Entries(7, 6)));
    }

    [Fact]
    public void CreateSnapshot_refuses_an_older_or_unavailable_index()
    {
        var s = new MemoryStorage();
        s.Append(Entries(1, 1, 2, 3));
        var cs = new ConfState([1UL, 2UL]);
        var snap = s.CreateSnapshot(2, cs, [7]);
        Assert.Equal(new SnapshotMetadata(2, 2, cs), snap.Metadata);
        Assert.Equal(snap, s.Snapshot());
        Assert.Throws<SnapshotOutOfDateException>(() => s.CreateSnapshot(2, cs, []));
        Assert.Throws<SnapshotOutOfDateException>(() => s.CreateSnapshot(1, cs, []));
        Assert.Throws<LogUnavailableException>(() => s.CreateSnapshot(4, cs, []));
        // Creating a snapshot compacts nothing by itself.
        Assert.Equal(1UL, s.FirstIndex());
    }

    [Fact]
    public void ApplySnapshot_replaces_the_log_and_refuses_an_out_of_date_one()
    {
        var s = Storage();
        var cs = new ConfState([1UL]);
        s.ApplySnapshot(new Snapshot(new SnapshotMetadata(10, 7, cs)));
        Assert.Equal((11UL, 10UL, 7UL), (s.FirstIndex(), s.LastIndex(), s.Term(10)));
        Assert.Equal(cs, s.InitialState().ConfState);
        Assert.Throws<SnapshotOutOfDateException>(() => s.ApplySnapshot(new Snapshot(new SnapshotMetadata(10, 7, cs))));
        Assert.Throws<SnapshotOutOfDateException>(() => s.ApplySnapshot(new Snapshot(new SnapshotMetadata(9, 7, cs))));
    }

    [Fact]
    public void InitialState_returns_the_hard_state_and_membership()
    {
        var s = MemoryStorage.WithVoters(1, 2, 3);
        s.SetHardState(new HardState(4, 2, 0));
        var (hs, cs) = s.InitialState();
        Assert.Equal(new HardState(4, 2, 0), hs);
        Assert.Equal([1UL, 2UL, 3UL], cs.Voters);
    }
}
