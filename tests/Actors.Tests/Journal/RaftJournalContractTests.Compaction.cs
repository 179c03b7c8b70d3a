using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Journal;

public abstract partial class RaftJournalContractTests
{
    [Fact]
    public void After_compaction_recovery_is_the_snapshot_plus_the_later_events_and_yields_the_same_log()
    {
        var pid = NewPersistenceId();
        var probe = CreateTestProbe();
        var actor = StartRecovered(pid, probe);
        WriteLive(actor, probe,
            Ready(Range(1, 10, 1), new HardState(1, 1, 5)),
            new AddressesChanged(new Dictionary<ulong, string> { [1] = "10.0.0.1:7000", [2] = "10.0.0.2:7000" }),
            new NodeIncarnated(1),
            Ready(Range(11, 20, 2), new HardState(2, 1, 15)));
        // The services' snapshot is at 15; the log keeps 3 entries behind it for lagging followers (base 12).
        actor.Tell(new CompactLog(Reference(15, 2), CompactTo: 12));
        Assert.Equal(4, probe.ExpectMsg<LogCompacted>().SequenceNr);
        WriteLive(actor, probe,
            Ready([E(19, 3, "new leader"), E(20, 3), E(21, 3)], new HardState(3, 1, 18)),
            new AddressesChanged(new Dictionary<ulong, string> { [1] = "10.0.0.1:7000", [2] = "10.0.0.2:7000", [3] = "10.0.0.3:7000" }));
        var live = LiveState(actor, probe);
        Stop(actor, probe);

        Sys.ActorOf(RaftRecordActor.Props(pid, probe.Ref));
        Assert.Equal(4, probe.ExpectMsg<RaftSnapshotOffered>().SequenceNr);
        var recovered = probe.ExpectMsg<RaftStateRecovered>();
        Assert.True(recovered.State.SameAs(live), $"recovered {recovered.State}\nwritten   {live}");
        Assert.Equal((12ul, 2ul, 15ul), (recovered.State.BaseIndex, recovered.State.BaseTerm, recovered.State.Snapshot!.Metadata.Index));
        Assert.Equal([.. Range(13, 18, 2), E(19, 3, "new leader"), E(20, 3), E(21, 3)], recovered.State.Entries);
        Assert.Equal(6, recovered.LastSequenceNr);
        // The events the snapshot covers are gone from the journal; the later ones are all there.
        Assert.Equal([5L, 6], ReplayedSequenceNumbers(pid));
    }

    [Fact]
    public void A_second_compaction_replaces_the_first_snapshot_and_deletes_it()
    {
        var pid = NewPersistenceId();
        var probe = CreateTestProbe();
        var actor = StartRecovered(pid, probe);
        WriteLive(actor, probe, Ready(Range(1, 10, 1), new HardState(1, 1, 10)));
        actor.Tell(new CompactLog(Reference(8, 1), CompactTo: 6));
        Assert.Equal(1, probe.ExpectMsg<LogCompacted>().SequenceNr);
        WriteLive(actor, probe, Ready(Range(11, 30, 2), new HardState(2, 1, 30)), new NodeIncarnated(7));
        actor.Tell(new CompactLog(Reference(28, 2), CompactTo: 28));
        Assert.Equal(3, probe.ExpectMsg<LogCompacted>().SequenceNr);
        WriteLive(actor, probe, Ready([E(31, 2)]));
        var live = LiveState(actor, probe);
        Stop(actor, probe);

        Sys.ActorOf(RaftRecordActor.Props(pid, probe.Ref));
        Assert.Equal(3, probe.ExpectMsg<RaftSnapshotOffered>().SequenceNr);
        var recovered = probe.ExpectMsg<RaftStateRecovered>();
        Assert.True(recovered.State.SameAs(live), $"recovered {recovered.State}\nwritten   {live}");
        Assert.Equal((28ul, 7ul), (recovered.State.BaseIndex, recovered.State.Incarnation));
        Assert.Equal([29ul, 30, 31], recovered.State.Entries.Select(e => e.Index));
        Assert.Null(LoadSnapshot(pid, maxSequenceNr: 2));
        Assert.Equal([4L], ReplayedSequenceNumbers(pid));
    }

    [Fact]
    public void A_large_actor_snapshot_is_saved_and_restored_unchanged()
    {
        var pid = NewPersistenceId();
        var random = new Random(20_000);
        var entries = Enumerable.Range(1, 5_000).Select(i =>
        {
            var data = new byte[256];
            random.NextBytes(data);
            return new Entry(1 + (ulong)(i / 1000), (ulong)i, i % 500 == 0 ? EntryType.ConfChange : EntryType.Normal, data);
        }).ToArray();
        var probe = CreateTestProbe();
        var actor = StartRecovered(pid, probe);
        WriteLive(actor, probe, Ready(entries, new HardState(6, 2, 5_000)));
        // Nothing compacted: the actor's snapshot holds all 5,000 entries (1.3 MB) kept behind the services' snapshot.
        actor.Tell(new CompactLog(Reference(5_000, 6), CompactTo: 0));
        probe.ExpectMsg<LogCompacted>();
        var live = LiveState(actor, probe);
        Stop(actor, probe);

        Sys.ActorOf(RaftRecordActor.Props(pid, probe.Ref));
        probe.ExpectMsg<RaftSnapshotOffered>();
        var recovered = probe.ExpectMsg<RaftStateRecovered>();
        Assert.True(recovered.State.SameAs(live), $"recovered {recovered.State}\nwritten   {live}");
        Assert.Equal(entries, recovered.State.Entries);
        Assert.Empty(ReplayedSequenceNumbers(pid));
    }

    /// <summary>Persists through a running actor and waits for every acknowledgement.</summary>
    private static void WriteLive(IActorRef actor, TestProbe probe, params object[] records)
    {
        actor.Tell(new WriteRecords(records));
        foreach (var _ in records) probe.ExpectMsg<RecordWritten>();
    }

    private static RaftLogDump LiveState(IActorRef actor, TestProbe probe)
    {
        actor.Tell(new GetRaftState());
        return probe.ExpectMsg<RaftStateRecovered>().State;
    }

    /// <summary>The sequence numbers the journal still holds for <paramref name="pid"/>, asked through its own protocol.</summary>
    private List<long> ReplayedSequenceNumbers(string pid)
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        var probe = CreateTestProbe();
        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, pid, probe.Ref));
        var replayed = new List<long>();
        while (true)
        {
            switch (probe.ReceiveOne())
            {
                case ReplayedMessage m: replayed.Add(m.Persistent.SequenceNr); break;
                case RecoverySuccess: return replayed;
                case var other: throw new Xunit.Sdk.XunitException($"unexpected reply to a replay: {other}");
            }
        }
    }

    private SelectedSnapshot? LoadSnapshot(string pid, long maxSequenceNr)
    {
        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var probe = CreateTestProbe();
        store.Tell(new LoadSnapshot(pid, new SnapshotSelectionCriteria(maxSequenceNr), long.MaxValue), probe.Ref);
        return probe.ExpectMsg<LoadSnapshotResult>().Snapshot;
    }
}
