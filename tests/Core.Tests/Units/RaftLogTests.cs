using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.Core.Tests.Units;

/// <summary>The node's log: stable storage plus the unstable tail, the consistency check and conflict search.</summary>
public sealed class RaftLogTests
{
    private static Entry[] Entries(ulong firstIndex, params ulong[] terms) =>
        terms.Select((t, i) => new Entry(t, firstIndex + (ulong)i, EntryType.Normal, new byte[10])).ToArray();

    /// <summary>A log whose stable part holds <paramref name="stable"/> terms from index 1, followed by <paramref name="unstable"/>.</summary>
    private static RaftLog Log(ulong[] stable, ulong[]? unstable = null, ulong maxApply = LogSizes.NoLimit)
    {
        var storage = new MemoryStorage();
        storage.Append(Entries(1, stable));
        var log = new RaftLog(storage, maxApply);
        if (unstable is { Length: > 0 }) log.Append(Entries((ulong)stable.Length + 1, unstable));
        return log;
    }

    // Log 1 2 3 (committed 1). Append after (index, logTerm) with entry terms, leader commit ->
    // result (null = rejected), commit afterwards, log terms afterwards. After etcd's TestLogMaybeAppend.
    [Theory]
    [InlineData(3UL, 2UL, 3UL, new ulong[] { 4 }, null, 1UL, new ulong[] { 1, 2, 3 })]    // term mismatch at 3
    [InlineData(4UL, 3UL, 3UL, new ulong[] { 4 }, null, 1UL, new ulong[] { 1, 2, 3 })]    // index beyond the log
    [InlineData(3UL, 3UL, 3UL, new ulong[] { }, 3L, 3UL, new ulong[] { 1, 2, 3 })]        // heartbeat-like, commits
    [InlineData(3UL, 3UL, 4UL, new ulong[] { }, 3L, 3UL, new ulong[] { 1, 2, 3 })]        // commit capped by last new
    [InlineData(3UL, 3UL, 2UL, new ulong[] { }, 3L, 2UL, new ulong[] { 1, 2, 3 })]
    [InlineData(3UL, 3UL, 0UL, new ulong[] { }, 3L, 1UL, new ulong[] { 1, 2, 3 })]        // commit never decreases
    [InlineData(3UL, 3UL, 5UL, new ulong[] { 4, 4 }, 5L, 5UL, new ulong[] { 1, 2, 3, 4, 4 })]
    [InlineData(2UL, 2UL, 3UL, new ulong[] { 3 }, 3L, 3UL, new ulong[] { 1, 2, 3 })]      // duplicate
    [InlineData(2UL, 2UL, 3UL, new ulong[] { 4 }, 3L, 3UL, new ulong[] { 1, 2, 4 })]      // conflict at 3
    [InlineData(1UL, 1UL, 0UL, new ulong[] { 2 }, 2L, 1UL, new ulong[] { 1, 2, 3 })]      // shorter, all match: nothing truncated
    [InlineData(1UL, 1UL, 4UL, new ulong[] { 4, 4 }, 3L, 3UL, new ulong[] { 1, 4, 4 })]   // conflict at 2
    public void MaybeAppend_appends_after_a_matching_entry_and_truncates_only_conflicts(
        ulong index, ulong logTerm, ulong commit, ulong[] terms, long? result, ulong expectedCommit, ulong[] expectedTerms)
    {
        var log = Log([1, 2, 3]);
        log.CommitTo(1);
        var got = log.MaybeAppend(index, logTerm, commit, Entries(index + 1, terms));
        Assert.Equal(result is null ? null : (ulong)result.Value, got);
        Assert.Equal(expectedCommit, log.Committed);
        var all = log.Slice(1, log.LastIndex() + 1, LogSizes.NoLimit)!;
        Assert.Equal(expectedTerms, all.Select(e => e.Term));
    }

    [Fact]
    public void MaybeAppend_refuses_to_replace_a_committed_entry()
    {
        var log = Log([1, 2, 3]);
        log.CommitTo(3);
        Assert.Throws<RaftInvariantException>(() => log.MaybeAppend(1, 1, 3, Entries(2, 4, 4)));
    }

    // Log 1 1 2 2 3 3 (index 1..6). FindConflictByTerm(index, term) -> index.
    [Theory]
    [InlineData(6UL, 3UL, 6UL)]
    [InlineData(6UL, 2UL, 4UL)] // skip the whole term 3
    [InlineData(6UL, 1UL, 2UL)]
    [InlineData(6UL, 0UL, 0UL)] // down to the dummy entry at 0
    [InlineData(3UL, 1UL, 2UL)]
    [InlineData(9UL, 1UL, 9UL)] // beyond the log: returned as is
    public void FindConflictByTerm_returns_the_last_index_whose_term_is_not_above(ulong index, ulong term, ulong expected)
    {
        var log = Log([1, 1], [2, 2, 3, 3]);
        Assert.Equal(expected, log.FindConflictByTerm(index, term));
    }

    [Fact]
    public void FindConflictByTerm_stops_at_the_compacted_boundary()
    {
        var storage = new MemoryStorage();
        storage.Append(Entries(1, 1, 2, 3, 3));
        storage.Compact(2);
        var log = new RaftLog(storage, LogSizes.NoLimit);
        // 4/3 and 3/3 are above term 1, so is the compaction point 2/2; below it the term is unknown: stop there.
        Assert.Equal(1UL, log.FindConflictByTerm(4, 1));
        Assert.Equal(2UL, log.FindConflictByTerm(4, 2));
    }

    [Fact]
    public void Slice_spans_stable_and_unstable_entries()
    {
        var log = Log([1, 1, 1], [2, 2]);
        Assert.Equal([2UL, 3UL, 4UL, 5UL], log.Slice(2, 6, LogSizes.NoLimit)!.Select(e => e.Index));
        Assert.Equal([4UL], log.Slice(4, 5, LogSizes.NoLimit)!.Select(e => e.Index));
        Assert.Equal([1UL, 2UL], log.Slice(1, 3, LogSizes.NoLimit)!.Select(e => e.Index));
        Assert.Empty(log.Slice(3, 3, LogSizes.NoLimit)!);
    }

    // Every entry is 26 bytes (10 of payload + 16). Log 1..3 stable, 4..5 unstable.
    [Theory]
    [InlineData(1UL, 6UL, 0UL, 1)]  // at least one entry, however small the limit
    [InlineData(1UL, 6UL, 26UL, 1)]
    [InlineData(1UL, 6UL, 52UL, 2)]
    [InlineData(1UL, 6UL, 77UL, 2)]
    [InlineData(1UL, 6UL, 104UL, 4)] // crosses into the unstable part
    [InlineData(2UL, 6UL, 104UL, 4)]
    [InlineData(4UL, 6UL, 26UL, 1)]  // unstable only
    [InlineData(1UL, 6UL, LogSizes.NoLimit, 5)]
    public void Slice_respects_the_size_limit_across_stable_and_unstable(ulong lo, ulong hi, ulong maxSize, int count)
    {
        var log = Log([1, 1, 1], [2, 2]);
        var slice = log.Slice(lo, hi, maxSize)!;
        Assert.Equal(count, slice.Count);
        Assert.Equal(Enumerable.Range((int)lo, count).Select(i => (ulong)i), slice.Select(e => e.Index));
    }

    [Fact]
    public void Slice_of_a_compacted_range_is_null()
    {
        var storage = new MemoryStorage();
        storage.Append(Entries(1, 1, 1, 1, 1, 1));
        storage.Compact(3);
        var log = new RaftLog(storage, LogSizes.NoLimit);
        Assert.Null(log.Slice(2, 5, LogSizes.NoLimit));
        Assert.Null(log.Slice(3, 5, LogSizes.NoLimit));
        Assert.Null(log.EntriesFrom(1, LogSizes.NoLimit));
        Assert.Equal([4UL, 5UL], log.Slice(4, 6, LogSizes.NoLimit)!.Select(e => e.Index));
        Assert.Equal(1UL, log.Term(3));  // the compaction point keeps its term
        Assert.Null(log.Term(2));
        Assert.Equal(4UL, log.FirstIndex());
        Assert.Throws<RaftInvariantException>(() => log.Slice(4, 7, LogSizes.NoLimit));
    }

    [Theory]
    [InlineData(3UL, 2UL, true)]  // higher last term
    [InlineData(1UL, 3UL, true)]  // higher last term, shorter
    [InlineData(3UL, 1UL, true)]  // same term, same length
    [InlineData(4UL, 1UL, true)]  // same term, longer
    [InlineData(2UL, 1UL, false)] // same term, shorter
    [InlineData(9UL, 0UL, false)] // lower term, longer
    public void IsUpToDate_compares_last_terms_then_lengths(ulong lastIndex, ulong term, bool upToDate)
    {
        var log = Log([1, 1, 1]);
        Assert.Equal(upToDate, log.IsUpToDate(lastIndex, term));
    }

    [Fact]
    public void MaybeCommit_commits_only_an_entry_of_the_given_term()
    {
        var log = Log([1, 2, 3]);
        Assert.False(log.MaybeCommit(2, 3));
        Assert.Equal(0UL, log.Committed);
        Assert.True(log.MaybeCommit(3, 3));
        Assert.Equal(3UL, log.Committed);
        Assert.False(log.MaybeCommit(2, 2)); // never backwards
        Assert.Equal(3UL, log.Committed);
    }

    [Fact]
    public void Commit_and_applied_cursors_stay_ordered()
    {
        var log = Log([1, 1, 1]);
        Assert.Throws<RaftInvariantException>(() => log.CommitTo(4));
        log.CommitTo(2);
        log.CommitTo(1); // ignored: commit never decreases
        Assert.Equal(2UL, log.Committed);
        Assert.Throws<RaftInvariantException>(() => log.AppliedTo(3));
        log.AppliedTo(2);
        Assert.Throws<RaftInvariantException>(() => log.AppliedTo(1));
    }

    [Fact]
    public void Append_below_the_commit_index_is_refused()
    {
        var log = Log([1, 1, 1]);
        log.CommitTo(2);
        Assert.Throws<RaftInvariantException>(() => log.Append(Entries(2, 2)));
        Assert.Equal(4UL, log.Append(Entries(3, 2, 2)));
    }

    [Fact]
    public void NextCommittedEntries_are_bounded_by_the_apply_size()
    {
        var log = Log([1, 1, 1, 1], maxApply: 60);
        log.CommitTo(4);
        Assert.Equal([1UL, 2UL], log.NextCommittedEntries().Select(e => e.Index));
        log.AppliedTo(2);
        Assert.Equal([3UL, 4UL], log.NextCommittedEntries().Select(e => e.Index));
        log.AppliedTo(4);
        Assert.False(log.HasNextCommittedEntries());
        Assert.Empty(log.NextCommittedEntries());
    }

    [Fact]
    public void Restore_moves_the_log_to_the_snapshot()
    {
        var log = Log([1, 1, 1]);
        log.Restore(new Snapshot(new SnapshotMetadata(10, 4, new ConfState([1UL]))));
        Assert.Equal((11UL, 10UL, 10UL, 4UL), (log.FirstIndex(), log.LastIndex(), log.Committed, log.LastTerm()));
        Assert.True(log.HasPendingSnapshot);
        Assert.Null(log.Term(3));
    }
}
