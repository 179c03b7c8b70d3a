using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;

namespace RaftActors.Persistence.Tests.Plugin;

public abstract partial class PersistencePluginContract
{
    [Fact]
    public void Recovery_starts_from_the_latest_snapshot_and_replays_the_events_after_it()
    {
        var pid = NewPersistenceId();
        var probe = CreateTestProbe();
        var actor = StartRecovered(pid, probe);
        PersistAndSnapshot(actor, probe, ["a", "b", "c"], expectedSnapshotAt: 3);
        PersistAndSnapshot(actor, probe, ["d", "e"], expectedSnapshotAt: 5);
        Persist(actor, probe, ["f", "g"]);
        Stop(actor);

        Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        var restored = probe.ExpectMsg<SnapshotRestored>();
        Assert.Equal(5, restored.SequenceNr);
        Assert.Equal(["a", "b", "c", "d", "e"], restored.Values);
        var recovered = probe.ExpectMsg<Recovered>();
        Assert.Equal(["a", "b", "c", "d", "e", "f", "g"], recovered.Values);
        Assert.Equal(7, recovered.LastSequenceNr);
    }

    [Fact]
    public void Recovery_from_a_snapshot_needs_no_events_it_covers()
    {
        var pid = NewPersistenceId();
        var probe = CreateTestProbe();
        var actor = StartRecovered(pid, probe);
        PersistAndSnapshot(actor, probe, ["a", "b", "c"], expectedSnapshotAt: 3);
        Persist(actor, probe, ["d"]);
        actor.Tell(new DeleteEvents(3));
        probe.ExpectMsg<DeleteMessagesSuccess>();
        Stop(actor);

        Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        Assert.Equal(3, probe.ExpectMsg<SnapshotRestored>().SequenceNr);
        Assert.Equal(["a", "b", "c", "d"], probe.ExpectMsg<Recovered>().Values);
    }

    [Fact]
    public void Snapshot_selection_criteria_pick_the_latest_matching_snapshot()
    {
        var pid = NewPersistenceId();
        SnapshotsAt3And5(pid);
        var probe = CreateTestProbe();

        Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref, new Recovery(new SnapshotSelectionCriteria(4))));
        Assert.Equal(3, probe.ExpectMsg<SnapshotRestored>().SequenceNr);
        Assert.Equal(["a", "b", "c", "d", "e"], probe.ExpectMsg<Recovered>().Values);

        Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref, new Recovery(SnapshotSelectionCriteria.None)));
        Assert.Equal(["a", "b", "c", "d", "e"], probe.ExpectMsg<Recovered>().Values);

        Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref, new Recovery(new SnapshotSelectionCriteria(2))));
        Assert.Equal(["a", "b", "c", "d", "e"], probe.ExpectMsg<Recovered>().Values);

        // A snapshot newer than toSequenceNr is not used.
        Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref, new Recovery(SnapshotSelectionCriteria.Latest, toSequenceNr: 4)));
        Assert.Equal(3, probe.ExpectMsg<SnapshotRestored>().SequenceNr);
        Assert.Equal(["a", "b", "c", "d"], probe.ExpectMsg<Recovered>().Values);
    }

    [Fact]
    public void A_deleted_snapshot_is_not_loaded()
    {
        var pid = NewPersistenceId();
        SnapshotsAt3And5(pid);
        var probe = CreateTestProbe();
        var actor = StartAfterSnapshot(pid, probe, 5);
        actor.Tell(new DeleteOneSnapshot(5));
        Assert.Equal(5, probe.ExpectMsg<DeleteSnapshotSuccess>().Metadata.SequenceNr);
        Stop(actor);

        StartAfterSnapshot(pid, probe, 3);
    }

    [Fact]
    public void Snapshots_deleted_by_criteria_are_not_loaded()
    {
        var pid = NewPersistenceId();
        SnapshotsAt3And5(pid);
        var probe = CreateTestProbe();
        var actor = StartAfterSnapshot(pid, probe, 5);
        actor.Tell(new DeleteSnapshotsMatching(new SnapshotSelectionCriteria(5)));
        probe.ExpectMsg<DeleteSnapshotsSuccess>();
        Stop(actor);

        Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        // No snapshot is offered: the events alone rebuild the state.
        Assert.Equal(["a", "b", "c", "d", "e"], probe.ExpectMsg<Recovered>().Values);
    }

    [Fact]
    public void Deleting_snapshots_by_criteria_keeps_those_outside_it()
    {
        var pid = NewPersistenceId();
        SnapshotsAt3And5(pid);
        var probe = CreateTestProbe();
        var actor = StartAfterSnapshot(pid, probe, 5);
        actor.Tell(new DeleteSnapshotsMatching(new SnapshotSelectionCriteria(4)));
        probe.ExpectMsg<DeleteSnapshotsSuccess>();
        Stop(actor);

        StartAfterSnapshot(pid, probe, 5);
    }

    /// <summary>Events a..e with snapshots after c (at 3) and after e (at 5).</summary>
    private void SnapshotsAt3And5(string pid)
    {
        var probe = CreateTestProbe();
        var actor = StartRecovered(pid, probe);
        PersistAndSnapshot(actor, probe, ["a", "b", "c"], expectedSnapshotAt: 3);
        PersistAndSnapshot(actor, probe, ["d", "e"], expectedSnapshotAt: 5);
        Stop(actor);
    }

    private IActorRef StartAfterSnapshot(string pid, TestProbe probe, long expectedSnapshot)
    {
        var actor = Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        Assert.Equal(expectedSnapshot, probe.ExpectMsg<SnapshotRestored>().SequenceNr);
        probe.ExpectMsg<Recovered>();
        return actor;
    }

    private static void Persist(IActorRef actor, TestProbe probe, IReadOnlyList<string> values)
    {
        actor.Tell(new PersistMany(values));
        foreach (var _ in values) probe.ExpectMsg<Persisted>();
    }

    private static void PersistAndSnapshot(IActorRef actor, TestProbe probe, IReadOnlyList<string> values, long expectedSnapshotAt)
    {
        Persist(actor, probe, values);
        actor.Tell(new TakeSnapshot());
        Assert.Equal(expectedSnapshotAt, probe.ExpectMsg<SaveSnapshotSuccess>().Metadata.SequenceNr);
    }
}
