using Akka.Actor;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Core;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

internal sealed partial class RaftActor
{
    private readonly Dictionary<(ulong Index, ulong Term), StagedSnapshot> _stagedSnapshots = [];
    private ulong _freshSnapshotAskedAt = ulong.MaxValue;

    // A Ready is being written: no other is taken until its persist handler ran (the core's contract), and
    // everything stepped meanwhile waits in the core for the next one, which batches it (group commit).
    private bool _writing;

    // A commit index that moved in memory only (see RunReadyCycles): the next write carries it.
    private bool _hardStateUnwritten;

    // When the write in flight was asked (Environment.TickCount64), and whether it was reported stalled (CheckStalledWrite).
    private long _writingSince;
    private bool _writeStalled;

    /// <summary>
    /// The Ready contract (see <see cref="Ready"/>): send what may go at once, persist in one write, and once
    /// it is durable send what waited for it, dispatch committed entries and advance. Runs until the core is
    /// quiet or a write is in flight (its handler resumes the cycle).
    /// </summary>
    private void RunReadyCycles()
    {
        // Proposals wait in _unproposed while a write is in flight: what the core would send for them could not leave
        // before this write's handler anyway (one Ready at a time), and entering together they cost one append per
        // follower instead of one each.
        while (!_writing)
        {
            ProposeQueued();
            if (!_node.HasReady()) break;
            var rd = _node.GetReady();
            if (rd.SoftState is { } soft) OnSoftState(soft);
            Send(rd.Messages);
            var (ready, addresses) = ToEvent(rd);
            if (ready is null)
            {
                Finish(rd);
                continue;
            }
            if (!rd.MustSync && rd.Entries.Count == 0 && rd.Snapshot is null)
            {
                // Only the commit index moved. Nothing a peer or a client was promised depends on it being on disk
                // (a restarted node learns the commit index again from the leader, as etcd's does), so it is not
                // written on its own: a write of its own would cost every node a second fsync per proposal. It is
                // kept in memory and goes to disk with the next write that has to happen anyway.
                _storage.Apply(ready);
                _hardStateUnwritten = true;
                Finish(rd);
                continue;
            }
            _hardStateUnwritten = false;
            _writing = true;
            _writingSince = Environment.TickCount64;
            // At most one write per pass: _writing ends the loop until this handler resumes it.
            void Persisted(ReadyPersisted persisted)
            {
                _storage.Apply(persisted);
                if (_writeStalled)
                {
                    _writeStalled = false;
                    RaftActorLog.WriteResumed(_log, _id, Environment.TickCount64 - _writingSince);
                }
                // The book of an installed snapshot is in force before anything is acknowledged or applied past it.
                if (addresses is not null) AdoptAddresses(addresses);
                _writing = false;
                Finish(rd);
                RunReadyCycles();
            }
#pragma warning disable AK1006
            if (addresses is null) PersistAsync(ready, Persisted);
            // One atomic write: a node never holds the snapshot without the addresses it carries.
            else PersistAllAsync<object>([ready, new AddressesChanged(addresses)], e => { if (e is ReadyPersisted persisted) Persisted(persisted); });
#pragma warning restore AK1006
        }
        if (!_writing) AfterQuiet();
    }

    /// <summary>
    /// Reports a write that has been in flight for two election timeouts, once. Nothing else shows it: the core keeps
    /// stepping messages and campaigning in memory, so the node logs elections and answers status as usual, yet no Ready
    /// is taken, so none of its votes, acknowledgements or applies happen until the journal answers.
    /// </summary>
    private void CheckStalledWrite()
    {
        if (!_writing || _writeStalled) return;
        var pending = Environment.TickCount64 - _writingSince;
        if (pending < 2 * _settings.Options.ElectionTicks * (long)_settings.Options.TickInterval.TotalMilliseconds) return;
        _writeStalled = true;
        RaftActorLog.WriteStalled(_log, _id, pending);
    }

    /// <summary>
    /// What a Ready must make durable, or null when it carries nothing to persist; with a snapshot to install, also the
    /// address book the node adopts with it (null when the snapshot holds none).
    /// </summary>
    private (ReadyPersisted? Ready, SortedDictionary<ulong, string>? Addresses) ToEvent(Ready rd)
    {
        if (rd.Entries.Count == 0 && rd.HardState is null && rd.Snapshot is null) return (null, null);
        SnapshotReference? snapshot = null;
        SortedDictionary<ulong, string>? addresses = null;
        if (rd.Snapshot is { IsEmpty: false } snap)
        {
            var staged = AdoptStagedSnapshot(snap.Metadata);
            snapshot = staged.Reference;
            addresses = MemberAddresses.Adopt(_addresses, staged.Addresses, snap.Metadata.ConfState);
        }
        var hardState = rd.HardState ?? (_hardStateUnwritten ? _storage.HardState : null);
        return (new ReadyPersisted(hardState, rd.Entries, snapshot), addresses);
    }

    /// <summary>The part of a Ready that follows its write (or the whole of one that needs none).</summary>
    private void Finish(Ready rd)
    {
        Send(rd.PersistedMessages);
        if (rd.Snapshot is { IsEmpty: false } snapshot) InstallSnapshot(snapshot);
        if (rd.CommittedEntries.Count > 0) Dispatch(rd.CommittedEntries);
        foreach (var read in rd.ReadStates) CompleteRead(read);
        _node.Advance(rd);
        _state.CommitIndex = _node.CommitIndex;
        if (rd.HardState is { } hs) _state.Term = hs.Term;
    }

    private void Send(IReadOnlyList<RaftMessage> messages)
    {
        if (messages.Count == 0) return;
        // One pass: the check reports a refused snapshot (a side effect), so it must run once per message.
        if (messages.Any(m => m.Type == MessageType.Snapshot))
        {
            messages = messages.Where(m => !IsSnapshotTheTargetWouldRefuse(m)).ToArray();
            if (messages.Count == 0) return;
        }
        if (messages.Count == 1)
        {
            SendTo(messages[0].To, messages);
            return;
        }
        foreach (var group in messages.GroupBy(m => m.To)) SendTo(group.Key, group.ToArray());
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

    /// <summary>
    /// Moves the payload a leader streamed here into the snapshots folder, so the write of this Ready can refer to
    /// it. The receiver fsynced and measured it as it arrived: this is a rename, whatever the payload's size. A payload that was never received is a bug: the node stops.
    /// </summary>
    private (SnapshotReference Reference, IReadOnlyDictionary<ulong, string>? Addresses) AdoptStagedSnapshot(SnapshotMetadata meta)
    {
        var key = (meta.Index, meta.Term);
        if (!_stagedSnapshots.Remove(key, out var staged))
        {
            throw new RaftInvariantException($"the core installs snapshot {key} but its payload was never received");
        }
        var received = staged.Received;
        try
        {
            return (SnapshotFiles.Adopt(_settings.Node, meta, received.PayloadPath, received.Length, received.Crc), staged.Addresses);
        }
        catch (IOException ex)
        {
            throw new ActorFailStopException($"node {_id}: could not keep the snapshot the leader sent: {ex.Message}", ex);
        }
    }

    private void InstallSnapshot(Snapshot snapshot)
    {
        var reference = _storage.SnapshotRef!;
        // The ServiceActor restores from the stored payload file (it stays: it is the node's snapshot now).
        _settings.ServiceActor.Tell(new RestoreServiceSnapshot(snapshot.Metadata, SnapshotFiles.PathOf(_settings.Node, reference)));
        RaftActorLog.SnapshotInstalled(_log, _id, snapshot.Metadata.Index);
        ForgetIdentitiesOfNonMembers(snapshot.Metadata.ConfState);
        OnMembershipApplied(snapshot.Metadata.ConfState);
    }

    /// <summary>
    /// A leader's snapshot is on disk: its header's address book is read off this actor's loop (the header holds the
    /// session table too, which may be large), and the snapshot goes to the core once it is known (<see cref="OnSnapshotVetted"/>).
    /// </summary>
    private void OnSnapshotReceived(SnapshotReceived received)
    {
        var meta = received.Message.Snapshot!.Metadata;
        Task.Run(() => ServiceSnapshotFormat.ReadAddresses(received.PayloadPath, meta)).PipeTo(Self,
            success: addresses => new SnapshotVetted(received, addresses, null),
            failure: error => new SnapshotVetted(received, null, error));
    }

    /// <summary>A payload whose header does not read is refused before the core sees it: nothing changes, and the leader tries again.</summary>
    private void OnSnapshotVetted(SnapshotVetted vetted)
    {
        var received = vetted.Received;
        if (vetted.Error is { } error)
        {
            RaftActorLog.RefusedPeerMessage(_log, _id, received.Message.From, $"the snapshot's payload is refused: {error.Message}");
            TryDelete(received.PayloadPath);
            return;
        }
        var meta = received.Message.Snapshot!.Metadata;
        if (_stagedSnapshots.Remove((meta.Index, meta.Term), out var older)) TryDelete(older.Received.PayloadPath);
        _stagedSnapshots[(meta.Index, meta.Term)] = new StagedSnapshot(received, vetted.Addresses);
        try
        {
            _node.Step(received.Message);
        }
        catch (InvalidPeerMessageException ex)
        {
            RaftActorLog.RefusedPeerMessage(_log, _id, received.Message.From, ex.Message);
        }
    }

    /// <summary>Once the core is quiet: drop staged snapshots it did not install, and store a snapshot that waited for the write.</summary>
    private void AfterQuiet()
    {
        if (_stagedSnapshots.Count > 0)
        {
            foreach (var staged in _stagedSnapshots.Values) TryDelete(staged.Received.PayloadPath);
            _stagedSnapshots.Clear();
        }
        StorePendingSnapshot();
    }

    private void DeleteStagedSnapshots()
    {
        foreach (var staged in _stagedSnapshots.Values) TryDelete(staged.Received.PayloadPath);
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
                committedId = CommandEnvelope.Read(entry.Data).RequestId;
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

/// <summary>A received snapshot waiting for the core, with the address book its header holds (null: a version 1 header holds none).</summary>
internal sealed record StagedSnapshot(SnapshotReceived Received, IReadOnlyDictionary<ulong, string>? Addresses);

/// <summary>The header of a received snapshot was read: its address book, or why the payload is refused.</summary>
internal sealed record SnapshotVetted(SnapshotReceived Received, IReadOnlyDictionary<ulong, string>? Addresses, Exception? Error);
