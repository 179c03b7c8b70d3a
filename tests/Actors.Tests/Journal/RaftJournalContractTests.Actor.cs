using Akka.Actor;
using Akka.Persistence;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Journal;

/// <summary>
/// A persistent actor that writes the RaftActor's own records (through RaftSerializer, into the journal and snapshot
/// store under test) and recovers them into a <see cref="RaftLogStorage"/> the way the RaftActor does: its Akka
/// snapshot restored first, then every later event applied in order. It compacts as the RaftActor does too: record
/// the service snapshot, drop the entries it covers (keeping some), save a <see cref="RaftActorSnapshot"/>, and once
/// that is durable delete the events and older snapshots it covers. Everything it learns goes to the probe.
/// </summary>
internal sealed class RaftRecordActor : ReceivePersistentActor
{
    private readonly IActorRef _probe;
    private readonly RaftLogStorage _storage = new();
    private Dictionary<ulong, string> _addresses = [];
    private ulong _incarnation;
    private int _deletesPending;
    private long _compactedAt;

    public RaftRecordActor(string persistenceId, IActorRef probe)
    {
        PersistenceId = persistenceId;
        _probe = probe;

        Recover<SnapshotOffer>(offer =>
        {
            var snapshot = (RaftActorSnapshot)offer.Snapshot;
            _storage.Restore(snapshot);
            _addresses = new Dictionary<ulong, string>(snapshot.Addresses);
            _incarnation = snapshot.Incarnation;
            _probe.Tell(new RaftSnapshotOffered(offer.Metadata.SequenceNr));
        });
        Recover<ReadyPersisted>(ready => _storage.Apply(ready));
        Recover<NodeIncarnated>(started => _incarnation = started.Incarnation);
        Recover<AddressesChanged>(changed => _addresses = new Dictionary<ulong, string>(changed.Addresses));
        Recover<RecoveryCompleted>(_ => _probe.Tell(new RaftStateRecovered(RaftLogDump.Of(_storage, _incarnation, _addresses), LastSequenceNr)));

        Command<WriteRecords>(write => PersistAllAsync(write.Records, record =>
        {
            if (write.Apply) ApplyRecord(_storage, ref _incarnation, ref _addresses, record);
            _probe.Tell(new RecordWritten(LastSequenceNr));
        }));
        Command<CompactLog>(Compact);
        Command<SaveSnapshotSuccess>(OnSnapshotSaved);
        Command<SaveSnapshotFailure>(failed => _probe.Tell(failed));
        Command<DeleteMessagesSuccess>(_ => DeleteDone());
        Command<DeleteSnapshotsSuccess>(_ => DeleteDone());
        Command<DeleteMessagesFailure>(failed => _probe.Tell(failed));
        Command<DeleteSnapshotsFailure>(failed => _probe.Tell(failed));
        Command<GetRaftState>(_ => _probe.Tell(new RaftStateRecovered(RaftLogDump.Of(_storage, _incarnation, _addresses), LastSequenceNr)));
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId, IActorRef probe) =>
        Akka.Actor.Props.Create(() => new RaftRecordActor(persistenceId, probe));

    /// <summary>What the RaftActor does with each record once it is durable (and on replay).</summary>
    public static void ApplyRecord(RaftLogStorage storage, ref ulong incarnation, ref Dictionary<ulong, string> addresses, object record)
    {
        switch (record)
        {
            case ReadyPersisted ready: storage.Apply(ready); break;
            case NodeIncarnated started: incarnation = started.Incarnation; break;
            case AddressesChanged changed: addresses = new Dictionary<ulong, string>(changed.Addresses); break;
            default: throw new ArgumentException($"not a RaftActor record: {record}");
        }
    }

    private void Compact(CompactLog compact)
    {
        _storage.RecordSnapshot(compact.Snapshot);
        if (compact.CompactTo > _storage.BaseIndex) _storage.Compact(compact.CompactTo);
        SaveSnapshot(new RaftActorSnapshot(compact.Snapshot, _storage.HardState, _storage.BaseIndex, _storage.BaseTerm,
            _storage.HeldEntries.ToArray(), new Dictionary<ulong, string>(_addresses), _incarnation));
    }

    private void OnSnapshotSaved(SaveSnapshotSuccess saved)
    {
        _compactedAt = saved.Metadata.SequenceNr;
        _deletesPending = 1;
        DeleteMessages(_compactedAt);
        if (_compactedAt > 1)
        {
            _deletesPending++;
            DeleteSnapshots(new SnapshotSelectionCriteria(_compactedAt - 1));
        }
    }

    private void DeleteDone()
    {
        if (--_deletesPending == 0) _probe.Tell(new LogCompacted(_compactedAt));
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _probe.Tell(new RaftRecoveryFailed(reason));
        base.OnRecoveryFailure(reason, message);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _probe.Tell(new RecordRefused(cause, sequenceNr));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _probe.Tell(new RecordRefused(cause, sequenceNr));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }
}

/// <summary>Persists the records in one PersistAllAsync; <paramref name="Apply"/> false writes them without applying (to store a broken log).</summary>
internal sealed record WriteRecords(IReadOnlyList<object> Records, bool Apply = true);

/// <summary>The services wrote <paramref name="Snapshot"/>: compact the log to <paramref name="CompactTo"/> and save the actor's snapshot.</summary>
internal sealed record CompactLog(SnapshotReference Snapshot, ulong CompactTo);

internal sealed record GetRaftState;

internal sealed record RecordWritten(long SequenceNr);
internal sealed record RecordRefused(Exception Cause, long SequenceNr);
internal sealed record LogCompacted(long SequenceNr);
internal sealed record RaftSnapshotOffered(long SequenceNr);
internal sealed record RaftStateRecovered(RaftLogDump State, long LastSequenceNr);
internal sealed record RaftRecoveryFailed(Exception Reason);

/// <summary>Everything a recovered RaftActor would know, copied out of its storage so two of them can be compared.</summary>
internal sealed record RaftLogDump(
    HardState HardState,
    ulong BaseIndex,
    ulong BaseTerm,
    SnapshotReference? Snapshot,
    IReadOnlyList<Entry> Entries,
    ulong Incarnation,
    IReadOnlyDictionary<ulong, string> Addresses)
{
    public static readonly RaftLogDump Empty = new(HardState.Empty, 0, 0, null, [], 0, new Dictionary<ulong, string>());

    public static RaftLogDump Of(RaftLogStorage storage, ulong incarnation, IReadOnlyDictionary<ulong, string> addresses) =>
        new(storage.HardState, storage.BaseIndex, storage.BaseTerm, storage.SnapshotRef, storage.HeldEntries.ToArray(), incarnation,
            new SortedDictionary<ulong, string>(addresses.ToDictionary()));

    /// <summary>The state after applying <paramref name="records"/> to an empty storage, as the live actor applied them.</summary>
    public static RaftLogDump After(IEnumerable<object> records)
    {
        var storage = new RaftLogStorage();
        ulong incarnation = 0;
        var addresses = new Dictionary<ulong, string>();
        foreach (var record in records) RaftRecordActor.ApplyRecord(storage, ref incarnation, ref addresses, record);
        return Of(storage, incarnation, addresses);
    }

    /// <summary>Field by field, lists by their elements.</summary>
    public bool SameAs(RaftLogDump other) =>
        HardState == other.HardState && BaseIndex == other.BaseIndex && BaseTerm == other.BaseTerm && Snapshot == other.Snapshot
        && Entries.SequenceEqual(other.Entries) && Incarnation == other.Incarnation
        && Addresses.OrderBy(a => a.Key).SequenceEqual(other.Addresses.OrderBy(a => a.Key));

    public override string ToString() =>
        $"hard state {HardState}, base {BaseIndex}/{BaseTerm}, snapshot {Snapshot?.Metadata.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, " +
        $"entries {(Entries.Count == 0 ? "none" : $"{Entries[0].Index}..{Entries[^1].Index}")} (terms {string.Join(",", Entries.Select(e => e.Term).Distinct())}), " +
        $"incarnation {Incarnation}, addresses {string.Join(",", Addresses.Select(a => $"{a.Key}={a.Value}"))}";
}
