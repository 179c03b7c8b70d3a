using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit;
using Xunit.Abstractions;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>
/// What every journal and snapshot store RaftActors runs on must do, in the manner of Akka's own
/// Persistence.TCK JournalSpec and SnapshotStoreSpec: run against our SQLite plugin and against Akka.Persistence.Sql
/// on SQLite by the subclasses. Every case drives a real persistent actor (<see cref="TestPersistentActor"/>) or the
/// journal's own protocol, and starts a fresh actor to see what recovery yields.
/// </summary>
public abstract partial class PersistencePluginContract : Akka.TestKit.Xunit2.TestKit
{
    protected PersistencePluginContract(PluginUnderTest plugin, ITestOutputHelper output)
        : base(plugin.Config, "contract", output)
    {
        Plugin = plugin;
    }

    protected PluginUnderTest Plugin { get; }

    [Fact]
    public void Persisted_events_are_recovered_in_order()
    {
        var pid = NewPersistenceId();
        var probe = CreateTestProbe();
        var actor = StartRecovered(pid, probe);
        foreach (var v in new[] { "a", "b", "c", "d", "e" }) actor.Tell(new PersistOne(v));
        for (var i = 1; i <= 5; i++) Assert.Equal(i, probe.ExpectMsg<Persisted>().SequenceNr);
        Stop(actor);

        var recovered = Recover(pid, probe);
        Assert.Equal(["a", "b", "c", "d", "e"], recovered.Values);
        Assert.Equal(5, recovered.LastSequenceNr);
    }

    [Fact]
    public void PersistAllAsync_batches_are_acknowledged_in_order_and_recovered()
    {
        var pid = NewPersistenceId();
        var probe = CreateTestProbe();
        var actor = StartRecovered(pid, probe);
        var first = Enumerable.Range(1, 50).Select(i => $"v{i}").ToList();
        var second = Enumerable.Range(51, 30).Select(i => $"v{i}").ToList();
        actor.Tell(new PersistMany(first));
        actor.Tell(new PersistMany(second));
        var acknowledged = Enumerable.Range(0, 80).Select(_ => probe.ExpectMsg<Persisted>()).ToList();
        Assert.Equal(Enumerable.Range(1, 80).Select(i => (long)i), acknowledged.Select(p => p.SequenceNr));
        Assert.Equal([.. first, .. second], acknowledged.Select(p => p.Value));
        Stop(actor);

        Assert.Equal([.. first, .. second], Recover(pid, probe).Values);
    }

    [Fact]
    public void Replay_honours_from_to_and_max()
    {
        var pid = NewPersistenceId();
        PersistValues(pid, Enumerable.Range(1, 10).Select(i => $"v{i}"));
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        var probe = CreateTestProbe();

        Assert.Equal([3L, 4, 5, 6, 7], Replay(journal, probe, pid, 3, 7, long.MaxValue, expectedHighest: 10));
        Assert.Equal([3L, 4], Replay(journal, probe, pid, 3, 7, 2, expectedHighest: 10));
        Assert.Equal([9L, 10], Replay(journal, probe, pid, 9, long.MaxValue, long.MaxValue, expectedHighest: 10));
        // Past the end nothing is replayed; the highest number reported then is only a hint (Akka.Persistence.Sql says 0).
        Assert.Empty(Replay(journal, probe, pid, 11, long.MaxValue, long.MaxValue, expectedHighest: null));
        Assert.Empty(Replay(journal, probe, NewPersistenceId(), 1, long.MaxValue, long.MaxValue, expectedHighest: 0));
    }

    [Fact]
    public void Recovery_up_to_a_sequence_number_stops_there()
    {
        var pid = NewPersistenceId();
        PersistValues(pid, ["a", "b", "c", "d", "e"]);
        var recovered = Recover(pid, CreateTestProbe(), new Recovery(SnapshotSelectionCriteria.Latest, toSequenceNr: 3));
        Assert.Equal(["a", "b", "c"], recovered.Values);
    }

    [Fact]
    public void Deleted_events_are_not_replayed()
    {
        var pid = NewPersistenceId();
        PersistValues(pid, ["a", "b", "c", "d", "e", "f"]);
        DeleteEventsTo(pid, 3);

        var recovered = Recover(pid, CreateTestProbe());
        Assert.Equal(["d", "e", "f"], recovered.Values);
        Assert.Equal(6, recovered.LastSequenceNr);
    }

    [Fact]
    public void Highest_sequence_number_survives_deleting_every_event()
    {
        var pid = NewPersistenceId();
        PersistValues(pid, ["a", "b", "c", "d", "e"]);
        DeleteEventsTo(pid, 5);

        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        var recovered = probe.ExpectMsg<Recovered>();
        Assert.Empty(recovered.Values);
        Assert.Equal(5, recovered.LastSequenceNr);
        // The next event must not reuse a deleted sequence number.
        actor.Tell(new PersistOne("f"));
        Assert.Equal(6, probe.ExpectMsg<Persisted>().SequenceNr);
        Stop(actor);
        Assert.Equal(["f"], Recover(pid, probe).Values);
    }

    [Fact]
    public void A_rejected_write_is_reported_to_its_actor_only_and_the_journal_serves_on()
    {
        var rejectedPid = NewPersistenceId();
        var otherPid = NewPersistenceId();
        var rejectedProbe = CreateTestProbe();
        var otherProbe = CreateTestProbe();
        var rejecting = StartRecovered(rejectedPid, rejectedProbe);
        var other = StartRecovered(otherPid, otherProbe);

        rejecting.Tell(new PersistOne("before"));
        rejectedProbe.ExpectMsg<Persisted>();
        rejecting.Tell(new PersistUnserializable("poison"));
        other.Tell(new PersistOne("meanwhile"));
        var rejected = rejectedProbe.ExpectMsg<Rejected>();
        Assert.Equal(2, rejected.SequenceNr);
        otherProbe.ExpectMsg<Persisted>();
        otherProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // The rejecting actor goes on, and so does the journal for everyone.
        rejecting.Tell(new PersistOne("after"));
        Assert.Equal("after", rejectedProbe.ExpectMsg<Persisted>().Value);
        other.Tell(new PersistOne("later"));
        otherProbe.ExpectMsg<Persisted>();
        Stop(rejecting);
        Stop(other);

        Assert.Equal(["before", "after"], Recover(rejectedPid, rejectedProbe).Values);
        Assert.Equal(["meanwhile", "later"], Recover(otherPid, otherProbe).Values);
    }

    protected static string NewPersistenceId() => "pid-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Starts an actor in <paramref name="system"/> (the test's by default) and waits for its recovery.</summary>
    protected IActorRef StartRecovered(string pid, TestProbe probe, ActorSystem? system = null)
    {
        var actor = (system ?? Sys).ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        probe.ExpectMsg<Recovered>();
        return actor;
    }

    /// <summary>Recovers a fresh actor, reports what it recovered and stops it again.</summary>
    protected Recovered Recover(string pid, TestProbe probe, Recovery? recovery = null, ActorSystem? system = null)
    {
        var actor = (system ?? Sys).ActorOf(TestPersistentActor.Props(pid, probe.Ref, recovery));
        var recovered = probe.FishForMessage<Recovered>(_ => true);
        Stop(actor, probe);
        return recovered;
    }

    protected void PersistValues(string pid, IEnumerable<string> values, ActorSystem? system = null)
    {
        var probe = CreateTestProbe(system ?? Sys);
        var actor = StartRecovered(pid, probe, system);
        var list = values.ToList();
        actor.Tell(new PersistMany(list));
        for (var i = 0; i < list.Count; i++) probe.ExpectMsg<Persisted>();
        Stop(actor, probe);
    }

    protected void DeleteEventsTo(string pid, long toSequenceNr)
    {
        var probe = CreateTestProbe();
        var actor = StartRecovered(pid, probe);
        actor.Tell(new DeleteEvents(toSequenceNr));
        Assert.Equal(toSequenceNr, probe.ExpectMsg<DeleteMessagesSuccess>().ToSequenceNr);
        Stop(actor);
    }

    protected void Stop(IActorRef actor, TestProbe? probe = null)
    {
        probe ??= CreateTestProbe();
        probe.Watch(actor);
        actor.Tell(PoisonPill.Instance);
        probe.ExpectTerminated(actor);
    }

    private static List<long> Replay(IActorRef journal, TestProbe probe, string pid, long from, long to, long max, long? expectedHighest)
    {
        journal.Tell(new ReplayMessages(from, to, max, pid, probe.Ref));
        var replayed = new List<long>();
        while (true)
        {
            switch (probe.ReceiveOne())
            {
                case ReplayedMessage m:
                    Assert.Equal(pid, m.Persistent.PersistenceId);
                    Assert.Equal($"v{m.Persistent.SequenceNr}", ((Evt)m.Persistent.Payload).Value);
                    replayed.Add(m.Persistent.SequenceNr);
                    break;
                case RecoverySuccess done:
                    if (expectedHighest is { } highest) Assert.Equal(highest, done.HighestSequenceNr);
                    return replayed;
                case var other:
                    throw new Xunit.Sdk.XunitException($"unexpected reply to a replay: {other}");
            }
        }
    }

    /// <summary>A second actor system on the same plugin and files, as a restarted process would start.</summary>
    protected ActorSystem StartSecondSystem(string name, Config? config = null) =>
        ActorSystem.Create(name, (config ?? Plugin.Config).WithFallback(Sys.Settings.Config));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Plugin.Dispose();
    }
}
