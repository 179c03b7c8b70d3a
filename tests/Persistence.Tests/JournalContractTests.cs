using System.Text;
using RaftActors.Messages;

namespace RaftActors.Persistence.Tests;

/// <summary>
/// The contract every <see cref="IJournal"/> keeps (after Akka's Persistence TCK JournalSpec): append,
/// suffix truncation, prefix compaction, range reads, terms, hard state, snapshots, metadata and reopening.
/// A subclass supplies the journal; each test gets fresh durable storage that survives <see cref="Reopen"/>.
/// </summary>
public abstract partial class JournalContractTests : IDisposable
{
    private IJournal? _journal;

    /// <summary>Opens a journal over this test's storage (the same storage on every call).</summary>
    protected abstract IJournal OpenJournal();

    protected IJournal Journal => _journal ??= OpenJournal();

    /// <summary>Closes the journal and opens it again over the same storage, as a restarted node would.</summary>
    protected IJournal Reopen()
    {
        _journal?.Dispose();
        _journal = OpenJournal();
        return _journal;
    }

    public virtual void Dispose()
    {
        _journal?.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static Entry E(ulong index, ulong term, string? data = null) =>
        new(term, index, EntryType.Normal, Encoding.UTF8.GetBytes(data ?? $"entry {index} of term {term}"));

    protected static Entry[] Range(ulong from, ulong to, ulong term) =>
        [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => E((ulong)i, term))];

    protected void Append(params Entry[] entries) => Journal.Save(new JournalBatch(entries));

    protected static ulong[] Indexes(IEnumerable<Entry> entries) => [.. entries.Select(e => e.Index)];

    [Fact]
    public void A_new_journal_is_empty()
    {
        var state = Journal.State;
        Assert.Equal(HardState.Empty, state.HardState);
        Assert.Equal(SnapshotMetadata.Empty, state.Snapshot);
        Assert.Equal(ConfState.Empty, state.ConfState);
        Assert.Equal((1ul, 0ul), (state.FirstIndex, state.LastIndex));
        Assert.Equal(0ul, Journal.Term(0));
        Assert.Empty(Journal.Entries(1, 1));
        Assert.Null(Journal.OpenSnapshot());
    }

    [Fact]
    public void Saved_entries_are_read_back_as_they_were_written()
    {
        var entries = Range(1, 5, 1).Append(new Entry(2, 6, EntryType.ConfChange, [1, 2, 3])).ToArray();
        Append(entries);
        Assert.Equal(entries, Journal.Entries(1, 7));
        Assert.Equal((1ul, 6ul), (Journal.FirstIndex, Journal.LastIndex));
    }

    [Fact]
    public void Appending_after_the_last_index_extends_the_log()
    {
        Append(Range(1, 3, 1));
        Append(Range(4, 6, 2));
        Assert.Equal([1ul, 2, 3, 4, 5, 6], Indexes(Journal.Entries(1, 7)));
        Assert.Equal(2ul, Journal.Term(6));
    }

    [Fact]
    public void Appending_at_an_existing_index_discards_the_suffix()
    {
        Append(Range(1, 10, 1));
        Append(E(4, 2, "replacement"));
        Assert.Equal(4ul, Journal.LastIndex);
        Assert.Equal("replacement", Encoding.UTF8.GetString(Journal.Entries(4, 5)[0].Data));
        Assert.Equal(Range(1, 3, 1), Journal.Entries(1, 4));
        Assert.Throws<JournalUnavailableException>(() => Journal.Term(5));
    }

    [Fact]
    public void Appending_at_the_first_index_replaces_the_whole_log()
    {
        Append(Range(1, 5, 1));
        Append(Range(1, 2, 3));
        Assert.Equal(Range(1, 2, 3), Journal.Entries(1, 3));
    }

    [Fact]
    public void Appending_with_a_gap_is_refused_and_changes_nothing()
    {
        Append(Range(1, 3, 1));
        Assert.Throws<ArgumentException>(() => Append(E(5, 1)));
        Assert.Equal(3ul, Journal.LastIndex);
        Assert.Equal(3ul, Reopen().LastIndex);
    }

    [Fact]
    public void Entries_in_a_batch_must_have_consecutive_indexes()
    {
        Assert.Throws<ArgumentException>(() => Append(E(1, 1), E(3, 1)));
        Assert.Throws<ArgumentException>(() => Append(E(2, 1), E(1, 1)));
        Assert.Equal(0ul, Journal.LastIndex);
    }

    [Fact]
    public void An_entry_at_index_zero_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Append(E(0, 1)));
    }

    [Fact]
    public void An_oversized_entry_is_refused()
    {
        var big = new Entry(1, 1, EntryType.Normal, new byte[JournalLimits.MaxEntryBytes + 1]);
        Assert.Throws<ArgumentException>(() => Append(big));
        Assert.Equal(0ul, Journal.LastIndex);
    }

    [Fact]
    public void An_empty_batch_changes_nothing()
    {
        Append(Range(1, 2, 1));
        Journal.Save(JournalBatch.Empty);
        Assert.Equal(2ul, Journal.LastIndex);
        Assert.True(JournalBatch.Empty.IsEmpty);
    }

    [Fact]
    public void Entries_reads_the_half_open_range()
    {
        Append(Range(1, 10, 1));
        Assert.Equal([3ul, 4, 5], Indexes(Journal.Entries(3, 6)));
        Assert.Equal([10ul], Indexes(Journal.Entries(10, 11)));
        Assert.Empty(Journal.Entries(4, 4));
        Assert.Empty(Journal.Entries(11, 11));
    }

    [Fact]
    public void Entries_stops_before_exceeding_max_bytes()
    {
        Append(Range(1, 10, 1));
        var size = (ulong)E(1, 1).Size;
        Assert.Equal([1ul, 2, 3], Indexes(Journal.Entries(1, 11, (3 * size) + size - 1)));
        Assert.Equal([1ul, 2, 3, 4], Indexes(Journal.Entries(1, 11, 4 * size)));
    }

    [Fact]
    public void Entries_returns_at_least_one_entry_even_when_it_exceeds_max_bytes()
    {
        Append(Range(1, 3, 1));
        Assert.Equal([2ul], Indexes(Journal.Entries(2, 4, 0)));
    }

    [Fact]
    public void Entries_beyond_the_last_index_are_unavailable()
    {
        Append(Range(1, 3, 1));
        var ex = Assert.Throws<JournalUnavailableException>(() => Journal.Entries(2, 5));
        Assert.Equal(3ul, ex.LastIndex);
        Assert.Throws<JournalUnavailableException>(() => Journal.Entries(5, 6));
    }

    [Fact]
    public void An_inverted_range_is_refused()
    {
        Append(Range(1, 3, 1));
        Assert.Throws<ArgumentException>(() => Journal.Entries(3, 2));
    }

    [Fact]
    public void Term_answers_for_every_stored_index_and_refuses_beyond_the_last()
    {
        Append(Range(1, 2, 1));
        Append(Range(3, 4, 3));
        Assert.Equal(new ulong[] { 0, 1, 1, 3, 3 }, Enumerable.Range(0, 5).Select(i => Journal.Term((ulong)i)));
        Assert.Throws<JournalUnavailableException>(() => Journal.Term(5));
    }

    [Fact]
    public void Hard_state_is_saved_and_replaced_and_kept_by_batches_without_one()
    {
        Journal.Save(new JournalBatch(hardState: new HardState(1, 2, 0)));
        Assert.Equal(new HardState(1, 2, 0), Journal.State.HardState);
        Journal.Save(new JournalBatch(Range(1, 2, 3), new HardState(3, 0, 2)));
        Assert.Equal(new HardState(3, 0, 2), Journal.State.HardState);
        Append(E(3, 3));
        Assert.Equal(new HardState(3, 0, 2), Reopen().State.HardState);
    }

    [Fact]
    public void A_refused_batch_writes_none_of_its_parts()
    {
        Journal.Save(new JournalBatch(Range(1, 2, 1), new HardState(1, 1, 1)));
        var bad = new JournalBatch([E(4, 2)], new HardState(2, 2, 2));
        Assert.Throws<ArgumentException>(() => Journal.Save(bad));
        Assert.Equal(new HardState(1, 1, 1), Journal.State.HardState);
        Assert.Equal(2ul, Journal.LastIndex);
    }

    [Fact]
    public void Everything_saved_survives_reopening()
    {
        Journal.Save(new JournalBatch(Range(1, 20, 2), new HardState(2, 1, 15)));
        Append(Range(18, 19, 3));
        Journal.SetMeta("node-id", [7]);
        var reopened = Reopen();
        Assert.Equal(new JournalState(new HardState(2, 1, 15), SnapshotMetadata.Empty, 1, 19), reopened.State);
        Assert.Equal(Range(1, 17, 2).Concat(Range(18, 19, 3)), reopened.Entries(1, 20));
        Assert.Equal([7], reopened.GetMeta("node-id"));
    }

    [Fact]
    public void A_disposed_journal_refuses_calls()
    {
        Append(Range(1, 2, 1));
        Journal.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Journal.LastIndex);
        Assert.Throws<ObjectDisposedException>(() => Journal.Entries(1, 2));
        Assert.Throws<ObjectDisposedException>(() => Append(E(3, 1)));
        Journal.Dispose();
    }

    [Fact]
    public void A_second_journal_over_the_same_storage_is_refused_while_the_first_is_open()
    {
        _ = Journal.LastIndex;
        Assert.Throws<JournalLockedException>(() => OpenJournal().Dispose());
        Assert.Equal(0ul, Reopen().LastIndex);
    }
}
