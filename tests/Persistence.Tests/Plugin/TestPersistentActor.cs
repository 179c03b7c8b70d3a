using Akka.Actor;
using Akka.Persistence;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>
/// A tiny persistent actor for the contract suite. It keeps the values of its events (or of a snapshot and the events
/// after it) and reports everything that happens to it to the probe it was given.
/// </summary>
public sealed class TestPersistentActor : ReceivePersistentActor
{
    private readonly IActorRef _probe;
    private readonly Recovery? _recovery;
    private List<string> _values = [];

    public TestPersistentActor(string persistenceId, IActorRef probe, Recovery? recovery, string? journalPluginId = null, string? snapshotPluginId = null)
    {
        PersistenceId = persistenceId;
        if (journalPluginId is not null) JournalPluginId = journalPluginId;
        if (snapshotPluginId is not null) SnapshotPluginId = snapshotPluginId;
        _probe = probe;
        _recovery = recovery;

        Recover<Evt>(e => _values.Add(e.Value));
        // The crash writer's events (tests/Persistence.CrashWriter) are plain strings.
        Recover<string>(s => _values.Add(s));
        Recover<SnapshotOffer>(offer =>
        {
            _values = [.. ((Snap)offer.Snapshot).Values];
            _probe.Tell(new SnapshotRestored(offer.Metadata.SequenceNr, [.. _values]));
        });
        Recover<RecoveryCompleted>(_ => _probe.Tell(new Recovered([.. _values], LastSequenceNr)));

        Command<PersistOne>(c => Persist(new Evt(c.Value), Applied));
        Command<PersistMany>(c => PersistAllAsync(c.Values.Select(v => new Evt(v)), Applied));
        Command<PersistUnserializable>(c => Persist(new Unserializable(c.Value), _ => _probe.Tell("stored an unserializable event")));
        Command<TakeSnapshot>(_ => SaveSnapshot(new Snap([.. _values])));
        Command<DeleteEvents>(c => DeleteMessages(c.ToSequenceNr));
        Command<DeleteOneSnapshot>(c => DeleteSnapshot(c.SequenceNr));
        Command<DeleteSnapshotsMatching>(c => DeleteSnapshots(c.Criteria));
        Command<SaveSnapshotSuccess>(m => _probe.Tell(m));
        Command<SaveSnapshotFailure>(m => _probe.Tell(m));
        Command<DeleteMessagesSuccess>(m => _probe.Tell(m));
        Command<DeleteMessagesFailure>(m => _probe.Tell(m));
        Command<DeleteSnapshotSuccess>(m => _probe.Tell(m));
        Command<DeleteSnapshotsSuccess>(m => _probe.Tell(m));
        Command<GetValues>(_ => _probe.Tell(new Recovered([.. _values], LastSequenceNr)));
    }

    public override string PersistenceId { get; }

    public override Recovery Recovery => _recovery ?? base.Recovery;

    public static Props Props(string persistenceId, IActorRef probe, Recovery? recovery = null, string? journalPluginId = null, string? snapshotPluginId = null) =>
        Akka.Actor.Props.Create(() => new TestPersistentActor(persistenceId, probe, recovery, journalPluginId, snapshotPluginId));

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _probe.Tell(new Rejected(cause, sequenceNr));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _probe.Tell(new PersistFailed(cause, sequenceNr));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _probe.Tell(new RecoveryFailed(reason));
        base.OnRecoveryFailure(reason, message);
    }

    private void Applied(Evt e)
    {
        _values.Add(e.Value);
        _probe.Tell(new Persisted(e.Value, LastSequenceNr));
    }
}

public sealed record PersistOne(string Value);
public sealed record PersistMany(IReadOnlyList<string> Values);
public sealed record PersistUnserializable(string Value);
public sealed record TakeSnapshot;
public sealed record DeleteEvents(long ToSequenceNr);
public sealed record DeleteOneSnapshot(long SequenceNr);
public sealed record DeleteSnapshotsMatching(SnapshotSelectionCriteria Criteria);
public sealed record GetValues;

public sealed record Persisted(string Value, long SequenceNr);
public sealed record Recovered(IReadOnlyList<string> Values, long LastSequenceNr);
public sealed record SnapshotRestored(long SequenceNr, IReadOnlyList<string> Values);
public sealed record Rejected(Exception Cause, long SequenceNr);
public sealed record PersistFailed(Exception Cause, long SequenceNr);
public sealed record RecoveryFailed(Exception Reason);
