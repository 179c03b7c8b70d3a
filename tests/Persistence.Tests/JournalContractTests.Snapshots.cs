using RaftActors.Messages;

namespace RaftActors.Persistence.Tests;

public abstract partial class JournalContractTests
{
    protected static readonly ConfState Members = new([1, 2, 3], learners: [4]);

    protected static SnapshotMetadata Meta(ulong index, ulong term) => new(index, term, Members);

    protected void SaveSnapshot(ulong index, ulong term, byte[]? payload = null) =>
        Journal.Save(JournalBatch.Empty.WithSnapshot(new Snapshot(Meta(index, term), payload ?? [(byte)index])));

    protected static byte[] Pattern(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + (i >> 11)))];

    [Fact]
    public void A_snapshot_the_log_does_not_reach_replaces_the_log()
    {
        Append(Range(1, 5, 1));
        SaveSnapshot(10, 3);
        Assert.Equal(new JournalState(HardState.Empty, Meta(10, 3), 11, 10), Journal.State);
        Assert.Equal(3ul, Journal.Term(10));
        Assert.Throws<JournalCompactedException>(() => Journal.Term(9));
        Assert.Throws<JournalCompactedException>(() => Journal.Entries(5, 6));
        Assert.Empty(Journal.Entries(11, 11));
    }

    [Fact]
    public void A_snapshot_whose_term_differs_from_the_stored_entry_replaces_the_log()
    {
        Append(Range(1, 8, 1));
        SaveSnapshot(5, 2);
        Assert.Equal((6ul, 5ul), (Journal.FirstIndex, Journal.LastIndex));
        Assert.Equal(2ul, Journal.Term(5));
    }

    [Fact]
    public void A_snapshot_the_log_continues_keeps_the_entries_until_they_are_compacted()
    {
        Append(Range(1, 8, 1));
        SaveSnapshot(5, 1);
        Assert.Equal((1ul, 8ul), (Journal.FirstIndex, Journal.LastIndex));
        Assert.Equal(Meta(5, 1), Journal.State.Snapshot);
        Journal.Compact(5);
        Assert.Equal((6ul, 8ul), (Journal.FirstIndex, Journal.LastIndex));
        Assert.Equal(1ul, Journal.Term(5));
        Assert.Equal(Range(6, 8, 1), Journal.Entries(6, 9));
    }

    [Fact]
    public void Compaction_may_keep_trailing_entries_below_the_snapshot()
    {
        Append(Range(1, 4, 1));
        Append(Range(5, 10, 2));
        SaveSnapshot(8, 2);
        Journal.Compact(3);
        Assert.Equal((4ul, 10ul), (Journal.FirstIndex, Journal.LastIndex));
        Assert.Equal(1ul, Journal.Term(3));
        Assert.Throws<JournalCompactedException>(() => Journal.Term(2));
        Assert.Throws<JournalCompactedException>(() => Journal.Entries(3, 5));
        Assert.Equal([4ul, 5, 6], Indexes(Journal.Entries(4, 7)));
        var reopened = Reopen();
        Assert.Equal((4ul, 10ul), (reopened.FirstIndex, reopened.LastIndex));
        Assert.Equal(1ul, reopened.Term(3));
    }

    [Fact]
    public void Compaction_above_the_snapshot_index_is_refused()
    {
        Append(Range(1, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Journal.Compact(1));
        SaveSnapshot(5, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Journal.Compact(6));
        Assert.Equal(1ul, Journal.FirstIndex);
    }

    [Fact]
    public void Compaction_at_or_below_the_base_does_nothing()
    {
        Append(Range(1, 10, 1));
        SaveSnapshot(6, 1);
        Journal.Compact(4);
        Journal.Compact(4);
        Journal.Compact(2);
        Assert.Equal(5ul, Journal.FirstIndex);
    }

    [Fact]
    public void A_snapshot_payload_and_metadata_are_read_back()
    {
        var payload = Pattern(1000);
        SaveSnapshot(7, 2, payload);
        using var snapshot = Journal.OpenSnapshot();
        Assert.NotNull(snapshot);
        Assert.Equal(Meta(7, 2), snapshot.Metadata);
        Assert.Equal(Members, Journal.State.ConfState);
        Assert.Equal(1000, snapshot.Length);
        Assert.Equal(payload, snapshot.ReadAllBytes());
    }

    [Fact]
    public void A_large_snapshot_payload_is_streamed_in_and_out_unchanged()
    {
        var payload = Pattern((5 * 1024 * 1024 / 2) + 17);
        using (var source = new MemoryStream(payload))
            Journal.SaveSnapshot(Meta(100, 4), source);
        using var snapshot = Reopen().OpenSnapshot();
        Assert.NotNull(snapshot);
        Assert.Equal(payload.Length, snapshot.Length);
        using var copy = new MemoryStream();
        var buffer = new byte[70_000];
        int n;
        while ((n = snapshot.Payload.Read(buffer)) > 0) copy.Write(buffer, 0, n);
        Assert.Equal(payload, copy.ToArray());
    }

    [Fact]
    public void An_empty_snapshot_payload_is_allowed()
    {
        SaveSnapshot(3, 1, []);
        using var snapshot = Reopen().OpenSnapshot();
        Assert.NotNull(snapshot);
        Assert.Empty(snapshot.ReadAllBytes());
    }

    [Fact]
    public void A_newer_snapshot_replaces_the_older_one()
    {
        SaveSnapshot(5, 1, [1]);
        SaveSnapshot(9, 2, [2]);
        using var snapshot = Reopen().OpenSnapshot();
        Assert.Equal(Meta(9, 2), snapshot!.Metadata);
        Assert.Equal([2], snapshot.ReadAllBytes());
    }

    [Fact]
    public void A_snapshot_no_newer_than_the_stored_one_is_refused_and_changes_nothing()
    {
        SaveSnapshot(9, 2, [2]);
        Assert.Throws<JournalSnapshotOutOfDateException>(() => SaveSnapshot(9, 2, [3]));
        var ex = Assert.Throws<JournalSnapshotOutOfDateException>(() =>
            Journal.Save(new JournalBatch([E(10, 2)], new HardState(5, 5, 5)).WithSnapshot(new Snapshot(Meta(4, 1)))));
        Assert.Equal((4ul, 9ul), (ex.OfferedIndex, ex.StoredIndex));
        Assert.Equal(HardState.Empty, Journal.State.HardState);
        Assert.Equal(9ul, Journal.LastIndex);
        using var snapshot = Journal.OpenSnapshot();
        Assert.Equal([2], snapshot!.ReadAllBytes());
    }

    [Fact]
    public void A_snapshot_of_index_zero_cannot_be_put_in_a_batch()
    {
        Assert.Throws<ArgumentException>(() => JournalBatch.Empty.WithSnapshot(Snapshot.Empty));
    }

    [Fact]
    public void Entries_at_or_below_the_snapshot_index_cannot_be_rewritten()
    {
        Append(Range(1, 10, 1));
        SaveSnapshot(6, 1);
        Assert.Throws<ArgumentException>(() => Append(E(6, 2)));
        Assert.Throws<ArgumentException>(() => Append(E(3, 2)));
        Append(E(7, 2));
        Assert.Equal((1ul, 7ul), (Journal.FirstIndex, Journal.LastIndex));
    }

    [Fact]
    public void A_snapshot_hard_state_and_following_entries_are_saved_in_one_batch()
    {
        Append(Range(1, 3, 1));
        var batch = new JournalBatch(Range(21, 22, 5), new HardState(5, 2, 20)).WithSnapshot(new Snapshot(Meta(20, 4), [9]));
        Journal.Save(batch);
        var state = Reopen().State;
        Assert.Equal(new JournalState(new HardState(5, 2, 20), Meta(20, 4), 21, 22), state);
        Assert.Equal(4ul, Journal.Term(20));
        Assert.Equal(Range(21, 22, 5), Journal.Entries(21, 23));
    }

    [Fact]
    public void Entries_after_a_replacing_snapshot_must_start_right_after_it()
    {
        var batch = new JournalBatch([E(12, 5)]).WithSnapshot(new Snapshot(Meta(10, 4)));
        Assert.Throws<ArgumentException>(() => Journal.Save(batch));
        Assert.Null(Journal.OpenSnapshot());
    }

    [Fact]
    public void An_opened_snapshot_keeps_reading_what_it_opened_after_a_newer_one_is_saved()
    {
        var first = Pattern(3 * 1024 * 1024);
        SaveSnapshot(5, 1, first);
        using var opened = Journal.OpenSnapshot();
        SaveSnapshot(8, 2, [1, 2, 3]);
        Assert.Equal(Meta(5, 1), opened!.Metadata);
        Assert.Equal(first, opened.ReadAllBytes());
        using var latest = Journal.OpenSnapshot();
        Assert.Equal([1, 2, 3], latest!.ReadAllBytes());
    }

    [Fact]
    public void A_failing_payload_stream_leaves_the_journal_unchanged_and_usable()
    {
        Append(Range(1, 3, 1));
        var batch = new JournalBatch([E(4, 1)]).WithSnapshot(Meta(2, 1), new BrokenStream());
        Assert.Throws<IOException>(() => Journal.Save(batch));
        Assert.Null(Journal.OpenSnapshot());
        Assert.Equal(3ul, Journal.LastIndex);
        Append(E(4, 1));
        Assert.Equal(4ul, Reopen().LastIndex);
    }

    [Fact]
    public void Metadata_is_stored_replaced_and_removed_durably()
    {
        Assert.Null(Journal.GetMeta("cluster-id"));
        Journal.SetMeta("cluster-id", [1, 2]);
        Journal.SetMeta("cluster-id", [3]);
        Journal.SetMeta("addresses", []);
        var value = Journal.GetMeta("cluster-id")!;
        value[0] = 99;
        Assert.Equal([3], Reopen().GetMeta("cluster-id"));
        Assert.Equal(Array.Empty<byte>(), Journal.GetMeta("addresses"));
        Assert.True(Journal.RemoveMeta("addresses"));
        Assert.False(Journal.RemoveMeta("addresses"));
        Assert.Null(Reopen().GetMeta("addresses"));
    }

    [Fact]
    public void Metadata_keys_and_values_are_limited_in_size()
    {
        Assert.Throws<ArgumentException>(() => Journal.SetMeta("", [1]));
        Assert.Throws<ArgumentException>(() => Journal.SetMeta(new string('k', JournalLimits.MaxMetaKeyLength + 1), [1]));
        Assert.Throws<ArgumentException>(() => Journal.SetMeta("k", new byte[JournalLimits.MaxMetaValueBytes + 1]));
    }

    /// <summary>A snapshot source that fails half way, as a dropped connection to the leader would.</summary>
    private sealed class BrokenStream : Stream
    {
        private int _reads;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_reads++ > 0) throw new IOException("connection to the leader lost");
            buffer[offset] = 1;
            return 1;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
