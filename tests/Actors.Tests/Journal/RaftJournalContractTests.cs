using System.Text;
using Akka.Actor;
using Akka.TestKit;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Core.Storage;
using RaftActors.Messages;
using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Journal;

/// <summary>
/// The journal contract at the level of Raft (after Akka's Persistence.TCK JournalSpec, in the shape of etcd's storage
/// tests): every journal and snapshot store a RaftActors node may run on must give back the RaftActor's records so
/// that replaying them rebuilds the log exactly as it was written — appends, suffix truncation, hard state, snapshot
/// Readies, the start counter and address book, compaction through the snapshot store, and everything acknowledged
/// after a crash. A subclass supplies the plugins (ours and Akka.Persistence.Sql); every case writes through a real
/// persistent actor (<see cref="RaftRecordActor"/>, serialized by RaftSerializer) and recovers a fresh one.
/// </summary>
public abstract partial class RaftJournalContractTests : Akka.TestKit.Xunit2.TestKit
{
    private protected static readonly ConfState Members = new([1, 2, 3], learners: [4]);

    protected RaftJournalContractTests(RaftJournalStore store, ITestOutputHelper output) : base(store.Config, "raft-journal", output)
    {
        Store = store;
    }

    protected RaftJournalStore Store { get; }

    [Fact]
    public void A_fresh_journal_recovers_an_empty_log()
    {
        var recovered = Recover(NewPersistenceId());
        Assert.True(recovered.State.SameAs(RaftLogDump.Empty), recovered.State.ToString());
        Assert.Equal(0, recovered.LastSequenceNr);
    }

    [Fact]
    public void Appended_entries_are_recovered_exactly_as_written()
    {
        var pid = NewPersistenceId();
        var conf = new Entry(2, 6, EntryType.ConfChange, RaftCodec.Encode(ConfChange.AddVoter(5, [1, 2, 3])));
        Write(pid,
            Ready(Range(1, 3, 1), new HardState(1, 1, 0)),
            Ready([.. Range(4, 5, 2), conf, E(7, 2, "")], new HardState(2, 1, 3)));

        var state = Recover(pid).State;
        Assert.Equal([.. Range(1, 3, 1), .. Range(4, 5, 2), conf, E(7, 2, "")], state.Entries);
        Assert.Equal(new HardState(2, 1, 3), state.HardState);
        Assert.Equal((0ul, 0ul, (SnapshotReference?)null), (state.BaseIndex, state.BaseTerm, state.Snapshot));
    }

    [Fact]
    public void Entries_written_at_a_lower_index_replace_the_suffix_on_replay_exactly_as_written()
    {
        var pid = NewPersistenceId();
        Write(pid,
            Ready(Range(1, 10, 1)),
            Ready([E(4, 2, "replacement")]),
            Ready([E(5, 2), E(6, 2)]),
            Ready([E(6, 3, "second replacement")]));

        var state = Recover(pid).State;
        Assert.Equal([.. Range(1, 3, 1), E(4, 2, "replacement"), E(5, 2), E(6, 3, "second replacement")], state.Entries);
    }

    [Fact]
    public void Entries_written_at_the_first_index_replace_the_whole_log()
    {
        var pid = NewPersistenceId();
        Write(pid, Ready(Range(1, 5, 1)), Ready(Range(1, 2, 3)));
        Assert.Equal(Range(1, 2, 3), Recover(pid).State.Entries);
    }

    [Fact]
    public void The_latest_hard_state_is_recovered_and_Readies_without_one_keep_it()
    {
        var pid = NewPersistenceId();
        Write(pid,
            Ready([], new HardState(1, 2, 0)),
            Ready(Range(1, 2, 3), new HardState(3, 0, 2)),
            Ready([E(3, 3)]),
            // A Ready with nothing in it (the RaftActor never writes one, but a journal may hold one) changes nothing.
            Ready([]));

        var state = Recover(pid).State;
        Assert.Equal(new HardState(3, 0, 2), state.HardState);
        Assert.Equal([.. Range(1, 2, 3), E(3, 3)], state.Entries);
    }

    [Fact]
    public void A_snapshot_Ready_beyond_the_log_replaces_it_and_the_entries_after_it_continue_from_it()
    {
        var pid = NewPersistenceId();
        var snapshot = Reference(20, 4);
        Write(pid,
            Ready(Range(1, 5, 1), new HardState(1, 1, 3)),
            // A follower installs the leader's snapshot: in one Ready, with its hard state and the entries after it.
            new ReadyPersisted(new HardState(5, 2, 20), Range(21, 22, 5), snapshot),
            // Entries at or below the snapshot are already in it: replay skips them.
            Ready([E(19, 4), E(20, 4), E(21, 5), E(22, 5), E(23, 5)]));

        var recovered = Recover(pid).State;
        Assert.Equal((20ul, 4ul, snapshot), (recovered.BaseIndex, recovered.BaseTerm, recovered.Snapshot));
        Assert.Equal(Members, recovered.Snapshot!.Metadata.ConfState);
        Assert.Equal(new HardState(5, 2, 20), recovered.HardState);
        Assert.Equal([.. Range(21, 22, 5), E(23, 5)], recovered.Entries);
    }

    [Fact]
    public void A_snapshot_Ready_inside_the_log_replaces_the_log_too()
    {
        var pid = NewPersistenceId();
        Write(pid, Ready(Range(1, 8, 1)), new ReadyPersisted(null, [], Reference(5, 2)));

        var state = Recover(pid).State;
        Assert.Equal((5ul, 2ul), (state.BaseIndex, state.BaseTerm));
        Assert.Empty(state.Entries);
    }

    [Fact]
    public void Node_incarnation_and_addresses_are_recovered_as_last_written()
    {
        var pid = NewPersistenceId();
        Write(pid,
            new NodeIncarnated(1),
            new AddressesChanged(new Dictionary<ulong, string> { [1] = "10.0.0.1:7000", [2] = "10.0.0.2:7000" }),
            Ready(Range(1, 2, 1)),
            new NodeIncarnated(2),
            // Node 2 left, node 3 joined: the new book replaces the old one whole.
            new AddressesChanged(new Dictionary<ulong, string> { [1] = "10.0.0.1:7000", [3] = "akka.tcp://raft@10.0.0.3:7000" }));

        var state = Recover(pid).State;
        Assert.Equal(2ul, state.Incarnation);
        Assert.Equal([1ul, 3ul], state.Addresses.Keys.Order());
        Assert.Equal("akka.tcp://raft@10.0.0.3:7000", state.Addresses[3]);
    }

    [Theory]
    [InlineData(0, "appends at 5 but the log ends at 3")] // a Ready that would leave a gap after the log
    [InlineData(1, "entry 3 where 2 belongs")] // a Ready whose own entries are not consecutive
    [InlineData(2, "appends at 12 but the log ends at 10")] // entries after a replacing snapshot that do not follow it
    public void A_log_the_records_cannot_rebuild_fails_recovery_saying_what_is_inconsistent(int damage, string problem)
    {
        var pid = NewPersistenceId();
        object[] records = damage switch
        {
            0 => [Ready(Range(1, 3, 1)), Ready([E(5, 1)])],
            1 => [Ready([E(1, 1), E(3, 1)])],
            _ => [new ReadyPersisted(null, [E(12, 5)], Reference(10, 4))],
        };
        Write(pid, apply: false, records);

        var probe = CreateTestProbe();
        Sys.ActorOf(RaftRecordActor.Props(pid, probe.Ref));
        var failure = probe.FishForMessage<RaftRecoveryFailed>(_ => true).Reason;
        Assert.Contains("the journal is inconsistent", failure.Message, StringComparison.Ordinal);
        Assert.Contains(problem, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_recovered_log_answers_range_and_term_reads_like_the_log_that_was_written()
    {
        var pid = NewPersistenceId();
        Write(pid, Ready(Range(1, 4, 1)), Ready(Range(5, 10, 3)));
        var storage = new RaftLogStorage();
        storage.Apply(Ready(Recover(pid).State.Entries));
        var size = (ulong)E(1, 1).Size;

        Assert.Equal([3ul, 4, 5], storage.Entries(3, 6, ulong.MaxValue).Select(e => e.Index));
        Assert.Equal([1ul, 2, 3], storage.Entries(1, 11, (3 * size) + size - 1).Select(e => e.Index));
        Assert.Equal([2ul], storage.Entries(2, 4, 0).Select(e => e.Index));
        Assert.Empty(storage.Entries(11, 11, ulong.MaxValue));
        Assert.Equal(new ulong[] { 0, 1, 1, 1, 1, 3 }, Enumerable.Range(0, 6).Select(i => storage.Term((ulong)i)));
        Assert.Throws<LogUnavailableException>(() => storage.Entries(2, 12, ulong.MaxValue));
        Assert.Throws<LogUnavailableException>(() => storage.Term(11));
        Assert.Throws<ArgumentException>(() => storage.Entries(4, 3, ulong.MaxValue));
        storage.RecordSnapshot(Reference(6, 3));
        storage.Compact(6);
        Assert.Throws<LogCompactedException>(() => storage.Entries(6, 7, ulong.MaxValue));
        Assert.Equal(3ul, storage.Term(6));
    }

    private protected static string NewPersistenceId() => "raft-contract-" + Guid.NewGuid().ToString("N")[..12];

    private protected static Entry E(ulong index, ulong term, string? data = null) =>
        new(term, index, EntryType.Normal, Encoding.UTF8.GetBytes(data ?? $"entry {index} of term {term}"));

    private protected static Entry[] Range(ulong from, ulong to, ulong term) =>
        [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => E((ulong)i, term))];

    private protected static ReadyPersisted Ready(IReadOnlyList<Entry> entries, HardState? hardState = null) => new(hardState, entries, null);

    /// <summary>A service snapshot's reference as the RaftActor stores it (the payload file itself is not the journal's).</summary>
    private protected static SnapshotReference Reference(ulong index, ulong term) =>
        new(new SnapshotMetadata(index, term, Members), $"snapshot-{index:D20}-{term:D20}.bin", 1000 + (long)index, (uint)(index * 2654435761u) ^ (uint)term);

    /// <summary>Writes the records through a fresh actor, waits until each one is acknowledged, and stops the actor.</summary>
    private protected void Write(string pid, params object[] records) => Write(pid, apply: true, records);

    private protected void Write(string pid, bool apply, params object[] records)
    {
        var probe = CreateTestProbe();
        var actor = StartRecovered(pid, probe);
        actor.Tell(new WriteRecords(records, apply));
        foreach (var _ in records) probe.ExpectMsg<RecordWritten>();
        Stop(actor, probe);
    }

    private protected IActorRef StartRecovered(string pid, TestProbe probe, ActorSystem? system = null)
    {
        var actor = (system ?? Sys).ActorOf(RaftRecordActor.Props(pid, probe.Ref));
        probe.FishForMessage<RaftStateRecovered>(_ => true);
        return actor;
    }

    /// <summary>Recovers a fresh actor, returns what it recovered, and stops it again.</summary>
    private protected RaftStateRecovered Recover(string pid)
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(RaftRecordActor.Props(pid, probe.Ref));
        var recovered = probe.FishForMessage(m => m is RaftStateRecovered or RaftRecoveryFailed);
        if (recovered is RaftRecoveryFailed failed) throw new Xunit.Sdk.XunitException($"recovery of {pid} failed: {failed.Reason}");
        Stop(actor, probe);
        return (RaftStateRecovered)recovered;
    }

    private protected static void Stop(IActorRef actor, TestProbe probe)
    {
        probe.Watch(actor);
        actor.Tell(PoisonPill.Instance);
        probe.ExpectTerminated(actor);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Store.Dispose();
    }
}
