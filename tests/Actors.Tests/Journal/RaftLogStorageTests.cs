using RaftActors.Actors.Runtime.Journal;
using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Journal;

/// <summary>
/// RaftLogStorage: the core's view of the RaftActor's journal, rebuilt by replaying it (its Akka snapshot, then
/// one ReadyPersisted per Ready) exactly as it was written, and answering the core's reads with etcd's storage
/// contract (<see cref="IRaftStorage"/>).
/// </summary>
public sealed class RaftLogStorageTests
{
    private static readonly ConfState Voters = new([1, 2, 3]);

    private static Entry E(ulong index, ulong term = 1, int size = 0) => new(term, index, EntryType.Normal, new byte[size]);

    private static Entry[] Range(ulong first, ulong last, ulong term = 1) => [.. Enumerable.Range((int)first, (int)(last - first + 1)).Select(i => E((ulong)i, term))];

    private static ReadyPersisted Ready(params Entry[] entries) => new(null, entries, null);

    private static SnapshotReference Reference(ulong index, ulong term) =>
        new(new SnapshotMetadata(index, term, Voters), $"snapshot-{index:D20}-{term}.bin", 100, 0xC0FFEE);

    private static RaftLogStorage Stored(params ReadyPersisted[] events)
    {
        var storage = new RaftLogStorage();
        foreach (var e in events) storage.Apply(e);
        return storage;
    }

    [Fact]
    public void An_empty_log_has_the_dummy_entry_at_zero_and_no_snapshot()
    {
        var storage = new RaftLogStorage();

        Assert.Equal(1UL, storage.FirstIndex());
        Assert.Equal(0UL, storage.LastIndex());
        Assert.Equal(0UL, storage.Term(0));
        Assert.Equal((HardState.Empty, ConfState.Empty), storage.InitialState());
        Assert.True(storage.Snapshot().IsEmpty);
        Assert.Null(storage.SnapshotRef);
        Assert.Empty(storage.Entries(1, 1, ulong.MaxValue));
    }

    [Fact]
    public void Readies_append_their_entries_in_order()
    {
        var storage = Stored(Ready(Range(1, 3)), Ready(E(4, 2)), Ready(), Ready(E(5, 2), E(6, 3)));

        Assert.Equal(1UL, storage.FirstIndex());
        Assert.Equal(6UL, storage.LastIndex());
        Assert.Equal([1UL, 1, 1, 2, 2, 3], Enumerable.Range(1, 6).Select(i => storage.Term((ulong)i)));
        Assert.Equal([.. Range(1, 3), E(4, 2), E(5, 2), E(6, 3)], storage.Entries(1, 7, ulong.MaxValue));
        Assert.Equal([E(3), E(4, 2)], storage.Entries(3, 5, ulong.MaxValue));
    }

    [Fact]
    public void A_Ready_at_a_lower_index_truncates_the_suffix_before_appending()
    {
        // A new leader overwrote this follower's uncommitted entries 3..5 with its own from 3.
        var storage = Stored(Ready(Range(1, 5, term: 1)), Ready(E(3, 2), E(4, 2)));

        Assert.Equal(4UL, storage.LastIndex());
        Assert.Equal([E(1), E(2), E(3, 2), E(4, 2)], storage.Entries(1, 5, ulong.MaxValue));
        Assert.Throws<LogUnavailableException>(() => storage.Term(5));
    }

    [Fact]
    public void A_Ready_that_rewrites_the_last_entry_replaces_only_it()
    {
        var storage = Stored(Ready(Range(1, 3)), Ready(E(3, 4)));

        Assert.Equal([E(1), E(2), E(3, 4)], storage.Entries(1, 4, ulong.MaxValue));
    }

    [Fact]
    public void The_hard_state_is_replaced_only_by_a_Ready_that_carries_one()
    {
        var storage = Stored(new ReadyPersisted(new HardState(2, 1, 0), [E(1, 2)], null), Ready(E(2, 2)),
            new ReadyPersisted(new HardState(2, 1, 2), [], null), Ready());

        Assert.Equal(new HardState(2, 1, 2), storage.HardState);
        Assert.Equal(new HardState(2, 1, 2), storage.InitialState().HardState);

        storage.Apply(new ReadyPersisted(new HardState(3, 0, 2), [], null));
        Assert.Equal(new HardState(3, 0, 2), storage.HardState);
        Assert.Equal(2UL, storage.LastIndex());
    }

    [Fact]
    public void A_Ready_with_a_snapshot_replaces_the_log_and_then_appends_after_it()
    {
        var snapshot = Reference(10, 3);
        var storage = Stored(Ready(Range(1, 12)));

        storage.Apply(new ReadyPersisted(new HardState(3, 2, 10), [E(11, 3)], snapshot));

        Assert.Same(snapshot, storage.SnapshotRef);
        Assert.Equal((10UL, 3UL), (storage.BaseIndex, storage.BaseTerm));
        Assert.Equal(11UL, storage.FirstIndex());
        Assert.Equal(11UL, storage.LastIndex());
        Assert.Equal(3UL, storage.Term(10));
        Assert.Equal([E(11, 3)], storage.Entries(11, 12, ulong.MaxValue));
        Assert.Equal((new HardState(3, 2, 10), Voters), storage.InitialState());
        // Only the metadata: the PeerActor streams the payload from the file.
        var asCore = storage.Snapshot();
        Assert.Equal(snapshot.Metadata, asCore.Metadata);
        Assert.Empty(asCore.Data);
    }

    [Fact]
    public void A_snapshot_behind_the_log_replaces_it_too()
    {
        // A follower installing the leader's snapshot forgets its own log, even entries above the snapshot.
        var storage = Stored(Ready(Range(1, 12, term: 1)));

        storage.Apply(new ReadyPersisted(null, [], Reference(8, 2)));

        Assert.Equal(8UL, storage.LastIndex());
        Assert.Equal(2UL, storage.Term(8));
        Assert.Throws<LogUnavailableException>(() => storage.Term(9));
    }

    [Fact]
    public void Restore_from_the_actors_snapshot_then_later_events()
    {
        var snapshot = new RaftActorSnapshot(Reference(20, 4), new HardState(5, 1, 22), LogBaseIndex: 17, LogBaseTerm: 4,
            Entries: [E(18, 4), E(19, 4), E(20, 4), E(21, 5), E(22, 5)], new Dictionary<ulong, string>(), Incarnation: 3);
        var storage = Stored(Ready(Range(1, 3)));

        storage.Restore(snapshot);
        storage.Apply(new ReadyPersisted(new HardState(5, 1, 23), [E(22, 5), E(23, 5)], null));

        Assert.Equal(snapshot.Snapshot, storage.SnapshotRef);
        Assert.Equal((17UL, 4UL), (storage.BaseIndex, storage.BaseTerm));
        Assert.Equal(18UL, storage.FirstIndex());
        Assert.Equal(23UL, storage.LastIndex());
        Assert.Equal(4UL, storage.Term(17));
        Assert.Equal([E(18, 4), E(19, 4), E(20, 4), E(21, 5), E(22, 5), E(23, 5)], storage.HeldEntries);
        Assert.Equal((new HardState(5, 1, 23), Voters), storage.InitialState());
        Assert.Equal(20UL, storage.Snapshot().Metadata.Index);
    }

    [Fact]
    public void Restore_refuses_a_snapshot_whose_entries_do_not_continue_its_base()
    {
        var snapshot = new RaftActorSnapshot(Reference(20, 4), new HardState(5, 1, 20), 17, 4, [E(19, 4), E(20, 4)],
            new Dictionary<ulong, string>(), 1);

        var error = Assert.Throws<InvalidOperationException>(() => new RaftLogStorage().Restore(snapshot));
        Assert.Contains("inconsistent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compact_keeps_the_entries_after_the_index_and_answers_Term_at_the_base()
    {
        var storage = Stored(Ready(Range(1, 4, term: 1)), Ready(Range(5, 10, term: 2)));
        storage.RecordSnapshot(Reference(8, 2));
        Assert.Equal(0UL, storage.BaseIndex); // recording a snapshot compacts nothing by itself

        storage.Compact(6);

        Assert.Equal((6UL, 2UL), (storage.BaseIndex, storage.BaseTerm));
        Assert.Equal(7UL, storage.FirstIndex());
        Assert.Equal(10UL, storage.LastIndex());
        Assert.Equal(2UL, storage.Term(6));
        Assert.Equal(Range(7, 10, term: 2), storage.Entries(7, 11, ulong.MaxValue));
        Assert.Equal(8UL, storage.Snapshot().Metadata.Index);

        // Compacting to or below the base changes nothing.
        storage.Compact(5);
        storage.Compact(6);
        Assert.Equal(6UL, storage.BaseIndex);
        Assert.Equal(4, storage.HeldEntries.Count);
    }

    [Fact]
    public void Compact_beyond_the_snapshot_or_without_one_is_refused()
    {
        var storage = Stored(Ready(Range(1, 10)));

        Assert.Throws<InvalidOperationException>(() => storage.Compact(3));
        storage.RecordSnapshot(Reference(5, 1));
        Assert.Throws<InvalidOperationException>(() => storage.Compact(6));
        Assert.Equal(0UL, storage.BaseIndex);
        Assert.Equal(10, storage.HeldEntries.Count);
    }

    [Fact]
    public void A_recorded_snapshot_must_be_newer_than_the_last()
    {
        var storage = Stored(Ready(Range(1, 10)));
        storage.RecordSnapshot(Reference(5, 1));

        Assert.Throws<InvalidOperationException>(() => storage.RecordSnapshot(Reference(5, 1)));
        Assert.Throws<InvalidOperationException>(() => storage.RecordSnapshot(Reference(4, 1)));
        Assert.Equal(5UL, storage.SnapshotRef!.Metadata.Index);
    }

    [Fact]
    public void Reads_below_the_base_are_compacted_and_beyond_the_end_unavailable()
    {
        var storage = Stored(Ready(Range(1, 10)));
        storage.RecordSnapshot(Reference(5, 1));
        storage.Compact(5);

        Assert.Throws<LogCompactedException>(() => storage.Term(4));
        Assert.Equal(1UL, storage.Term(5));
        Assert.Equal(1UL, storage.Term(10));
        Assert.Throws<LogUnavailableException>(() => storage.Term(11));

        Assert.Throws<LogCompactedException>(() => storage.Entries(5, 7, ulong.MaxValue));
        Assert.Throws<LogCompactedException>(() => storage.Entries(1, 7, ulong.MaxValue));
        Assert.Equal(Range(6, 10), storage.Entries(6, 11, ulong.MaxValue));
        Assert.Throws<LogUnavailableException>(() => storage.Entries(6, 12, ulong.MaxValue));
        Assert.Empty(storage.Entries(11, 11, ulong.MaxValue));
        Assert.Throws<ArgumentException>(() => storage.Entries(8, 7, ulong.MaxValue));
    }

    [Fact]
    public void Entries_stop_at_the_size_limit_but_return_at_least_one()
    {
        // Each entry counts 100 bytes of data plus a 16-byte header.
        var storage = Stored(Ready([.. Enumerable.Range(1, 5).Select(i => E((ulong)i, size: 100))]));

        Assert.Equal([1UL, 2], storage.Entries(1, 6, 232).Select(e => e.Index));
        Assert.Equal([1UL, 2], storage.Entries(1, 6, 300).Select(e => e.Index));
        Assert.Equal([1UL], storage.Entries(1, 6, 1).Select(e => e.Index));
        Assert.Equal([3UL], storage.Entries(3, 6, 0).Select(e => e.Index));
    }

    [Fact]
    public void Entries_at_or_below_the_base_in_a_Ready_are_skipped()
    {
        // Replayed after the actor's snapshot: the event's older entries are behind the base already.
        var storage = new RaftLogStorage();
        storage.Restore(new RaftActorSnapshot(Reference(5, 1), new HardState(1, 1, 5), 5, 1, [], new Dictionary<ulong, string>(), 1));

        storage.Apply(Ready(Range(3, 5)));
        Assert.Equal(5UL, storage.LastIndex());
        Assert.Empty(storage.HeldEntries);

        storage.Apply(Ready(Range(4, 7)));
        Assert.Equal([E(6), E(7)], storage.HeldEntries);
    }

    [Fact]
    public void A_Ready_that_leaves_a_gap_after_the_log_is_an_inconsistent_journal()
    {
        var storage = Stored(Ready(Range(1, 3)));

        var error = Assert.Throws<InvalidOperationException>(() => storage.Apply(Ready(E(5))));

        Assert.Contains("inconsistent", error.Message, StringComparison.Ordinal);
        Assert.Equal(3UL, storage.LastIndex());
    }

    [Fact]
    public void A_Ready_whose_own_entries_are_not_contiguous_is_an_inconsistent_journal()
    {
        var storage = Stored(Ready(Range(1, 3)));

        Assert.Throws<InvalidOperationException>(() => storage.Apply(Ready(E(4), E(6))));
        Assert.Throws<InvalidOperationException>(() => storage.Apply(Ready(E(4), E(4))));

        Assert.Equal(Range(1, 3), storage.HeldEntries);
    }

    [Fact]
    public void A_Ready_with_a_snapshot_and_entries_that_do_not_follow_it_is_an_inconsistent_journal()
    {
        var storage = new RaftLogStorage();

        Assert.Throws<InvalidOperationException>(() => storage.Apply(new ReadyPersisted(null, [E(13, 3)], Reference(10, 3))));
    }
}
