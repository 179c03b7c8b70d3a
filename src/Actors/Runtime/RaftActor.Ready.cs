using RaftActors.Core;
using RaftActors.Messages;
using RaftActors.Persistence;

namespace RaftActors.Actors.Runtime;

internal sealed partial class RaftActor
{
    private readonly Dictionary<(ulong Index, ulong Term), string> _stagedSnapshots = [];
    private ulong _freshSnapshotAskedAt = ulong.MaxValue;

    /// <summary>
    /// The Ready contract (see <see cref="Ready"/>): send what may go at once, persist in one write, send
    /// what waited for the write, dispatch committed entries, advance. Runs until the core is quiet.
    /// </summary>
    private void RunReadyCycles()
    {
        while (_node.HasReady())
        {
            var rd = _node.GetReady();
            if (rd.SoftState is { } soft) OnSoftState(soft);
            Send(rd.Messages);
            Persist(rd);
            Send(rd.PersistedMessages);
            if (rd.Snapshot is { } snapshot) InstallSnapshot(snapshot);
            if (rd.CommittedEntries.Count > 0) Dispatch(rd.CommittedEntries);
            foreach (var read in rd.ReadStates) CompleteRead(read);
            _node.Advance(rd);
            _state.CommitIndex = _node.CommitIndex;
            if (rd.HardState is { } hs) _state.Term = hs.Term;
        }
        DeleteStagedSnapshots();
    }

    private void Send(IReadOnlyList<RaftMessage> messages)
    {
        if (messages.Count == 0) return;
        if (messages.Any(IsSnapshotTheTargetWouldRefuse)) messages = messages.Where(m => !IsSnapshotTheTargetWouldRefuse(m)).ToArray();
        if (messages.Count == 0) return;
        if (messages.Count == 1)
        {
            _settings.Peers.Send(messages[0].To, messages);
            return;
        }
        foreach (var group in messages.GroupBy(m => m.To)) _settings.Peers.Send(group.Key, group.ToArray());
    }

    /// <summary>
    /// A snapshot whose configuration does not name its target (a member added after it was taken) would be
    /// refused. Instead of sending it, report it failed — the core probes again later — and ask the
    /// ServiceActor for a fresh snapshot, once per stored snapshot.
    /// </summary>
    private bool IsSnapshotTheTargetWouldRefuse(RaftMessage m)
    {
        if (m.Type != MessageType.Snapshot || m.Snapshot is not { } snap) return false;
        var cs = snap.Metadata.ConfState;
        if (cs.Voters.Contains(m.To) || cs.Learners.Contains(m.To) || cs.VotersOutgoing.Contains(m.To)) return false;
        Self.Tell(new SnapshotSendFinished(m.To, Failed: true));
        if (_freshSnapshotAskedAt != snap.Metadata.Index)
        {
            _freshSnapshotAskedAt = snap.Metadata.Index;
            _settings.ServiceActor.Tell(TakeSnapshotNow.Instance);
        }
        return true;
    }

    /// <summary>One durable journal write for the whole Ready (group commit). A failure stops the node.</summary>
    private void Persist(Ready rd)
    {
        if (rd.Entries.Count == 0 && rd.HardState is null && rd.Snapshot is null) return;
        FileStream? payload = null;
        try
        {
            var batch = new JournalBatch(rd.Entries, rd.HardState);
            if (rd.Snapshot is { } snapshot)
            {
                var key = (snapshot.Metadata.Index, snapshot.Metadata.Term);
                if (!_stagedSnapshots.TryGetValue(key, out var path))
                {
                    throw new RaftInvariantException($"the core installs snapshot {key} but its payload was never received");
                }
                payload = File.OpenRead(path);
                batch = batch.WithSnapshot(snapshot.Metadata, payload);
            }
            _storage.Save(batch);
        }
        catch (Exception ex) when (ex is JournalException or IOException or UnauthorizedAccessException)
        {
            RaftActorLog.JournalFailed(_log, _id, ex);
            _state.Raise(new NodeFailed(_id, $"journal write failed: {ex.Message}"));
            throw new ActorFailStopException($"node {_id}: the journal write failed, so the node stops: {ex.Message}", ex);
        }
        finally
        {
            payload?.Dispose();
        }
    }

    private void InstallSnapshot(Snapshot snapshot)
    {
        var key = (snapshot.Metadata.Index, snapshot.Metadata.Term);
        var path = _stagedSnapshots[key];
        _stagedSnapshots.Remove(key);
        // The ServiceActor restores from the staged file and deletes it.
        _settings.ServiceActor.Tell(new RestoreServiceSnapshot(snapshot.Metadata, path));
        RaftActorLog.SnapshotInstalled(_log, _id, snapshot.Metadata.Index);
        OnMembershipApplied(snapshot.Metadata.ConfState);
    }

    private void OnSnapshotReceived(SnapshotReceived received)
    {
        var meta = received.Message.Snapshot!.Metadata;
        _stagedSnapshots[(meta.Index, meta.Term)] = received.PayloadPath;
        try
        {
            _node.Step(received.Message);
        }
        catch (InvalidPeerMessageException ex)
        {
            RaftActorLog.RefusedPeerMessage(_log, _id, received.Message.From, ex.Message);
        }
    }

    /// <summary>Staged snapshots the core did not install (older than what we have) are not needed.</summary>
    private void DeleteStagedSnapshots()
    {
        foreach (var path in _stagedSnapshots.Values) TryDelete(path);
        _stagedSnapshots.Clear();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover staging file is removed when the node next starts.
        }
    }

    /// <summary>Hands committed entries to the ServiceActor, applying membership changes to the core on the way.</summary>
    private void Dispatch(IReadOnlyList<Entry> entries)
    {
        var items = new CommittedEntry[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            ConfState? after = null;
            if (entry.Type == EntryType.ConfChange) after = ApplyMembership(entry);
            else CheckReplacedProposal(entry);
            items[i] = new CommittedEntry(entry, after);
        }
        _settings.ServiceActor.Tell(new ApplyCommitted(items));
    }

    /// <summary>
    /// A proposal this leader appended at an index now committed with a different entry was overwritten
    /// by a newer leader: it will never apply, so its client is told at once.
    /// </summary>
    private void CheckReplacedProposal(Entry entry)
    {
        if (!_proposalAt.Remove(entry.Index, out var requestId)) return;
        ulong committedId = 0;
        if (entry.Data.Length > 0)
        {
            try
            {
                committedId = CommandEnvelope.Decode(entry.Data).RequestId;
            }
            catch (CodecException)
            {
                committedId = 0;
            }
        }
        if (committedId != requestId)
        {
            _registry.TryFail(requestId, new RaftNodeException(RaftErrorCode.LeadershipLost,
                $"leadership changed before the request committed; index {entry.Index} holds another entry, so it was not applied"));
        }
    }
}
