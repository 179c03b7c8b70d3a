using RaftActors.Messages;

namespace RaftActors.Core.Tests.Units;

/// <summary>The unpersisted tail of the log: appends that replace a suffix, and acknowledgement of persistence.</summary>
public sealed class UnstableLogTests
{
    private static Entry[] Entries(ulong firstIndex, params ulong[] terms) =>
        terms.Select((t, i) => new Entry(t, firstIndex + (ulong)i)).ToArray();

    private static UnstableLog With(ulong offset, params ulong[] terms)
    {
        var u = new UnstableLog(offset);
        if (terms.Length > 0) u.TruncateAndAppend(Entries(offset, terms));
        return u;
    }

    // offset 5, entries 5/1 6/1 7/1; append at `at` with terms `terms` -> offset, terms afterwards
    [Theory]
    [InlineData(8UL, new ulong[] { 2, 2 }, 5UL, new ulong[] { 1, 1, 1, 2, 2 })] // directly after: plain append
    [InlineData(6UL, new ulong[] { 2, 2 }, 5UL, new ulong[] { 1, 2, 2 })]       // inside: truncate then append
    [InlineData(5UL, new ulong[] { 2 }, 5UL, new ulong[] { 2 })]                // at the offset: replace all
    [InlineData(3UL, new ulong[] { 2, 2, 2 }, 3UL, new ulong[] { 2, 2, 2 })]    // before the offset: replace all, move offset
    public void TruncateAndAppend_replaces_every_entry_from_the_first_new_index(ulong at, ulong[] terms, ulong offset, ulong[] expected)
    {
        var u = With(5, 1, 1, 1);
        u.TruncateAndAppend(Entries(at, terms));
        Assert.Equal(offset, u.Offset);
        Assert.Equal(expected, u.Entries.Select(e => e.Term));
        Assert.Equal(Enumerable.Range((int)offset, expected.Length).Select(i => (ulong)i), u.Entries.Select(e => e.Index));
    }

    [Fact]
    public void StableTo_drops_the_persisted_prefix()
    {
        var u = With(5, 1, 1, 2);
        u.StableTo(6, 1);
        Assert.Equal((7UL, 1), (u.Offset, u.Entries.Count));
        u.StableTo(7, 2);
        Assert.Equal((8UL, 0), (u.Offset, u.Entries.Count));
    }

    [Fact]
    public void StableTo_with_a_term_mismatch_keeps_the_entries()
    {
        // The Ready held 6/1, but a new leader has since replaced index 6 with term 2: that entry is not durable.
        var u = With(5, 1, 1);
        u.TruncateAndAppend(Entries(6, 2));
        u.StableTo(6, 1);
        Assert.Equal(5UL, u.Offset);
        Assert.Equal([1UL, 2UL], u.Entries.Select(e => e.Term));
    }

    [Theory]
    [InlineData(4UL, 1UL)] // below the offset
    [InlineData(9UL, 1UL)] // beyond the tail
    public void StableTo_outside_the_tail_changes_nothing(ulong index, ulong term)
    {
        var u = With(5, 1, 1);
        u.StableTo(index, term);
        Assert.Equal((5UL, 2), (u.Offset, u.Entries.Count));
    }

    [Fact]
    public void Restore_replaces_everything_with_the_snapshot()
    {
        var u = With(5, 1, 1);
        var snap = new Snapshot(new SnapshotMetadata(10, 3, new ConfState([1UL])));
        u.Restore(snap);
        Assert.Equal((11UL, 0), (u.Offset, u.Entries.Count));
        Assert.Equal(11UL, u.MaybeFirstIndex());
        Assert.Equal(10UL, u.MaybeLastIndex());
        Assert.Equal(3UL, u.MaybeTerm(10));
        Assert.Null(u.MaybeTerm(9));
        Assert.Null(u.MaybeTerm(11));
        u.StableSnapshotTo(9); // not this snapshot
        Assert.NotNull(u.Snapshot);
        u.StableSnapshotTo(10);
        Assert.Null(u.Snapshot);
        Assert.Null(u.MaybeFirstIndex());
    }

    [Fact]
    public void MaybeTerm_answers_only_for_the_tail()
    {
        var u = With(5, 1, 2);
        Assert.Equal((1UL, 2UL), (u.MaybeTerm(5), u.MaybeTerm(6)));
        Assert.Null(u.MaybeTerm(4));
        Assert.Null(u.MaybeTerm(7));
        Assert.Null(new UnstableLog(5).MaybeLastIndex());
        Assert.Equal(6UL, u.MaybeLastIndex());
    }

    [Fact]
    public void Slice_outside_the_tail_is_an_invariant_breach()
    {
        var u = With(5, 1, 1, 1);
        Assert.Equal([6UL, 7UL], u.Slice(6, 8).Select(e => e.Index));
        Assert.Throws<RaftInvariantException>(() => u.Slice(4, 6));
        Assert.Throws<RaftInvariantException>(() => u.Slice(6, 9));
        Assert.Throws<RaftInvariantException>(() => u.Slice(7, 6));
    }
}
