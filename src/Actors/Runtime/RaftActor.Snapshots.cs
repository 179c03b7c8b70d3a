using Akka.Actor;
using Akka.Persistence;
using RaftActors.Actors.Runtime.Journal;

namespace RaftActors.Actors.Runtime;

/// <summary>Compaction: store the services' snapshot, save the actor's own snapshot, then delete the events it covers.</summary>
internal sealed partial class RaftActor
{
    private ServiceSnapshotTaken? _pendingServiceSnapshot;
    private SnapshotReference? _savingSnapshot;

    /// <summary>
    /// The services wrote a snapshot (durably, off every message loop). It is stored when no Ready is being
    /// written, so that the actor's snapshot holds exactly what the journal holds up to <c>LastSequenceNr</c>, and
    /// no earlier save is in flight (<see cref="StorePendingSnapshot"/>);
    /// storing it is a rename and a folder fsync here, then the Akka snapshot and the deletion go on asynchronously.
    /// </summary>
    private void OnServiceSnapshot(ServiceSnapshotTaken taken)
    {
        if (_pendingServiceSnapshot is { } older) TryDelete(older.PayloadPath);
        _pendingServiceSnapshot = taken;
    }

    /// <summary>
    /// Stores the newest waiting snapshot when no Ready is being written and no earlier save is in flight. One save
    /// at a time: each save's completion is matched to its own snapshot, and a store slower than the snapshots fall
    /// due stores the newest capture next instead of overlapping saves (a newer capture replaces a waiting one).
    /// </summary>
    private void StorePendingSnapshot()
    {
        if (_writing || _savingSnapshot is not null || _pendingServiceSnapshot is not { } taken) return;
        _pendingServiceSnapshot = null;
        StoreServiceSnapshot(taken);
    }

    private void StoreServiceSnapshot(ServiceSnapshotTaken taken)
    {
        var meta = taken.Metadata;
        if (meta.Index <= (_storage.SnapshotRef?.Metadata.Index ?? 0) || meta.Index > _storage.LastIndex() || meta.Index <= _storage.BaseIndex)
        {
            TryDelete(taken.PayloadPath);
            return;
        }
        SnapshotReference reference;
        try
        {
            reference = SnapshotFiles.Adopt(_settings.Node, meta, taken.PayloadPath, taken.Length, taken.Crc);
        }
        catch (IOException ex)
        {
            TryDelete(taken.PayloadPath);
            throw new ActorFailStopException($"node {_id}: storing a snapshot failed, so the node stops: {ex.Message}", ex);
        }
        _storage.RecordSnapshot(reference);
        var keep = _settings.Options.KeepEntriesAfterSnapshot;
        var compactTo = meta.Index > keep ? meta.Index - keep : 0;
        if (compactTo > _storage.BaseIndex) _storage.Compact(compactTo);
        _savingSnapshot = reference;
        SaveSnapshot(new RaftActorSnapshot(reference, _storage.HardState, _storage.BaseIndex, _storage.BaseTerm,
            _storage.HeldEntries.ToArray(), new Dictionary<ulong, string>(_addresses), _incarnation));
    }

    /// <summary>The actor's snapshot is durable: the events before it, older snapshots and their payloads can go.</summary>
    private void OnSnapshotSaved(SaveSnapshotSuccess saved)
    {
        var sequenceNr = saved.Metadata.SequenceNr;
        if (sequenceNr > 0) DeleteMessages(sequenceNr);
        if (sequenceNr > 1) DeleteSnapshots(new SnapshotSelectionCriteria(sequenceNr - 1));
        if (_savingSnapshot is { } reference)
        {
            SnapshotFiles.DeleteAllBut(_settings.Node, reference.FileName);
            RaftActorLog.SnapshotStored(_log, _id, reference.Metadata.Index, reference.Length, _storage.BaseIndex);
            _state.Raise(new SnapshotStored(_id, reference.Metadata.Index, reference.Length));
            _savingSnapshot = null;
        }
        StorePendingSnapshot();
    }

    /// <summary>The events stay (nothing is lost); the next snapshot tries again.</summary>
    private void OnSnapshotSaveFailed(SaveSnapshotFailure failed)
    {
        RaftActorLog.CompactionFailed(_log, _id, failed.Cause.Message);
        _savingSnapshot = null;
        StorePendingSnapshot();
    }
}
