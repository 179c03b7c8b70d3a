using RaftActors.Core.Quorum;
using RaftActors.Core.Tracker;
using RaftActors.Messages;

namespace RaftActors.Core;

internal sealed partial class Raft
{
    private ProposeResult StepLeader(RaftMessage m)
    {
        switch (m.Type)
        {
            case MessageType.Beat: BroadcastHeartbeat(); return ProposeResult.Accepted;
            case MessageType.CheckQuorum: CheckQuorumActive(); return ProposeResult.Accepted;
            case MessageType.Propose: return HandlePropose(m);
            case MessageType.ReadIndex: HandleReadIndex(m); return ProposeResult.Accepted;
        }
        if (!Tracker.Progress.TryGetValue(m.From, out var pr)) return ProposeResult.Accepted;
        switch (m.Type)
        {
            case MessageType.AppendResponse: HandleAppendResponse(m, pr); break;
            case MessageType.HeartbeatResponse: HandleHeartbeatResponse(m, pr); break;
            case MessageType.SnapshotStatus: HandleSnapshotStatus(m, pr); break;
            case MessageType.Unreachable:
                // The transport lost the connection: the last appends may be gone, so probe again.
                if (pr.State == ProgressState.Replicate) pr.BecomeProbe();
                break;
            case MessageType.TransferLeader: HandleTransferLeader(m, pr); break;
        }
        return ProposeResult.Accepted;
    }

    private void CheckQuorumActive()
    {
        if (Tracker.Progress.TryGetValue(Id, out var self)) self.RecentActive = true;
        if (!Tracker.QuorumActive())
        {
            Info("stepped down: no quorum was active within an election timeout");
            BecomeFollower(Term, 0);
        }
        // Start a fresh window: a member must be heard from again before the next check.
        foreach (var (id, pr) in Tracker.Progress)
        {
            if (id != Id) pr.RecentActive = false;
        }
    }

    private ProposeResult HandlePropose(RaftMessage m)
    {
        if (m.Entries.Count == 0) return ProposeResult.Accepted;
        if (!Tracker.Progress.ContainsKey(Id)) return ProposeResult.NotMember;
        if (LeadTransferee != 0) return ProposeResult.TransferInProgress;
        var entries = m.Entries;
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Type != EntryType.ConfChange) continue;
            var refusal = ConfChangeRefusal(entries[i]);
            if (refusal is not null)
            {
                Info($"refused membership change: {refusal}");
                // Only a lone change is reported as refused; in a batch the change becomes a no-op so the
                // other proposals keep their place.
                if (entries.Count == 1) return ProposeResult.ConfChangeRefused;
                entries = entries.Select((e, j) => j == i ? new Entry(0, 0) : e).ToArray();
            }
            else
            {
                PendingConfIndex = Log.LastIndex() + (ulong)i + 1;
            }
        }
        if (!AppendEntries(entries)) return ProposeResult.UncommittedLimit;
        BroadcastAppend();
        return ProposeResult.Accepted;
    }

    private void HandleReadIndex(RaftMessage m)
    {
        if (m.Entries.Count != 1) return;
        if (Tracker.IsSingleton)
        {
            RespondToReadIndex(m, Log.Committed);
            return;
        }
        // §6.4: until an entry of this term is committed, the leader does not know the commit index of
        // its predecessor; postpone the read until its no-op commits.
        if (!CommittedEntryInCurrentTerm())
        {
            _pendingReadIndexMessages.Add(m);
            return;
        }
        ServeReadIndex(m);
    }

    private bool CommittedEntryInCurrentTerm() => Log.TermOrZero(Log.Committed) == Term;

    private void ServeReadIndex(RaftMessage m)
    {
        if (LeaseReads && _lease.Holds(Id, _clock, Tracker.Config.Voters))
        {
            RespondToReadIndex(m, Log.Committed);
            return;
        }
        // A safe read, or a lease read outside the lease: confirm leadership with a heartbeat round.
        var context = m.Entries[0].Data;
        _readOnly.Add(Log.Committed, m);
        _readOnly.RecordAck(Id, context);
        BroadcastHeartbeat(context);
    }

    private void RespondToReadIndex(RaftMessage request, ulong index)
    {
        if (request.From == 0 || request.From == Id)
        {
            _readStates.Add(new ReadState(index, request.Entries[0].Data));
            return;
        }
        Send(new RaftMessage { Type = MessageType.ReadIndexResponse, To = request.From, Index = index, Entries = request.Entries });
    }

    private void ReleasePendingReadIndexMessages()
    {
        if (_pendingReadIndexMessages.Count == 0 || !CommittedEntryInCurrentTerm()) return;
        var pending = _pendingReadIndexMessages.ToArray();
        _pendingReadIndexMessages.Clear();
        foreach (var m in pending) ServeReadIndex(m);
    }

    private void HandleAppendResponse(RaftMessage m, Progress pr)
    {
        pr.RecentActive = true;
        if (m.Reject)
        {
            var next = m.RejectHint;
            // The follower told us the term at its hint; skip every entry of ours with a larger term.
            if (m.LogTerm > 0) next = Log.FindConflictByTerm(m.RejectHint, m.LogTerm);
            if (pr.MaybeDecrTo(m.Index, next))
            {
                if (pr.State == ProgressState.Replicate) pr.BecomeProbe();
                SendAppend(m.From);
            }
            return;
        }
        var wasPaused = pr.IsPaused;
        if (!pr.MaybeUpdate(m.Index)) return;
        switch (pr.State)
        {
            case ProgressState.Probe: pr.BecomeReplicate(); break;
            // The follower holds the snapshot, or enough of the log that appends can continue from here.
            case ProgressState.Snapshot when pr.Match >= pr.PendingSnapshot || pr.Match + 1 >= Log.FirstIndex():
                pr.BecomeProbe();
                pr.BecomeReplicate();
                break;
            case ProgressState.Replicate: pr.Inflights.FreeLE(m.Index); break;
        }
        if (MaybeCommit())
        {
            ReleasePendingReadIndexMessages();
            BroadcastAppend();
        }
        else if (wasPaused)
        {
            SendAppend(m.From);
        }
        // Fill the window: keep sending while there is something to send and room for it.
        while (MaybeSendAppend(m.From, sendIfEmpty: false)) { }
        if (m.From == LeadTransferee && pr.Match == Log.LastIndex())
        {
            Info($"sent timeout-now to {m.From}: its log is up to date");
            SendTimeoutNow(m.From);
        }
    }

    private void HandleHeartbeatResponse(RaftMessage m, Progress pr)
    {
        pr.RecentActive = true;
        pr.ProbeSent = false;
        // The follower is alive: let one more append through a full window.
        if (pr.State == ProgressState.Replicate && pr.Inflights.Full) pr.Inflights.FreeFirstOne();
        if (pr.Match < Log.LastIndex()) SendAppend(m.From);
        if (LeaseReads) _lease.RecordAck(m.From, m.Index, _clock);
        if (m.Context.Length == 0) return;
        var acks = _readOnly.RecordAck(m.From, m.Context);
        if (acks is null || Tracker.Config.Voters.Vote(acks) != VoteResult.Won) return;
        foreach (var (request, index) in _readOnly.Advance(m.Context)) RespondToReadIndex(request, index);
    }

    private static void HandleSnapshotStatus(RaftMessage m, Progress pr)
    {
        if (pr.State != ProgressState.Snapshot) return;
        if (m.Reject) pr.PendingSnapshot = 0;
        // Either way go back to probing; after a success the follower's answer will move us to Replicate.
        pr.BecomeProbe();
        // Wait for that answer (or a heartbeat response) before probing again.
        pr.ProbeSent = true;
    }

    private void HandleTransferLeader(RaftMessage m, Progress pr)
    {
        if (pr.IsLearner) return;
        var transferee = m.From;
        if (LeadTransferee != 0)
        {
            if (LeadTransferee == transferee) return;
            AbortLeaderTransfer();
        }
        if (transferee == Id) return;
        // The transfer must finish within an election timeout or it is abandoned.
        ElectionElapsed = 0;
        LeadTransferee = transferee;
        Info($"transferring leadership to {transferee}");
        if (pr.Match == Log.LastIndex()) SendTimeoutNow(transferee);
        else SendAppend(transferee);
    }

    private void SendTimeoutNow(ulong to)
    {
        // The transferee's campaign bypasses the voters' guard, whenever the message arrives.
        _lease.Revoke();
        Send(new RaftMessage { To = to, Type = MessageType.TimeoutNow });
    }

    /// <summary>Appends proposals at the end of the log with the current term; false when over the uncommitted cap.</summary>
    private bool AppendEntries(IReadOnlyList<Entry> entries)
    {
        var last = Log.LastIndex();
        var placed = new Entry[entries.Count];
        for (var i = 0; i < entries.Count; i++) placed[i] = entries[i].At(Term, last + 1 + (ulong)i);
        if (!IncreaseUncommittedSize(placed)) return false;
        last = Log.Append(placed);
        Tracker.Progress[Id].MaybeUpdate(last);
        MaybeCommit();
        return true;
    }

    private bool IncreaseUncommittedSize(IReadOnlyList<Entry> entries)
    {
        var size = LogSizes.PayloadSize(entries);
        var limit = _config.MaxUncommittedEntriesSize;
        // An empty log of uncommitted entries always accepts one proposal, however large, so progress is possible.
        if (limit != 0 && _uncommittedSize > 0 && size > 0 && _uncommittedSize + size > limit) return false;
        _uncommittedSize += size;
        return true;
    }

    /// <summary>How many of <paramref name="commands"/>, from the first, the uncommitted limit admits now (the rule of <see cref="IncreaseUncommittedSize"/>, one after another).</summary>
    internal int ProposalsThatFit(IReadOnlyList<byte[]> commands)
    {
        var limit = _config.MaxUncommittedEntriesSize;
        if (limit == 0) return commands.Count;
        var size = _uncommittedSize;
        var fit = 0;
        foreach (var command in commands)
        {
            var length = (ulong)command.Length;
            if (size > 0 && length > 0 && size + length > limit) break;
            size += length;
            fit++;
        }
        return fit;
    }

    internal void ReduceUncommittedSize(IReadOnlyList<Entry> committed)
    {
        if (_uncommittedSize == 0) return;
        var size = LogSizes.PayloadSize(committed);
        _uncommittedSize = size > _uncommittedSize ? 0 : _uncommittedSize - size;
    }

    private bool MaybeCommit() => Log.MaybeCommit(Tracker.Committed(), Term);

    private void BroadcastAppend()
    {
        foreach (var id in Tracker.Progress.Keys)
        {
            if (id != Id) SendAppend(id);
        }
    }

    private void BroadcastHeartbeat() => BroadcastHeartbeat(_readOnly.LastPendingContext());

    private void BroadcastHeartbeat(byte[] context)
    {
        foreach (var (id, pr) in Tracker.Progress)
        {
            if (id == Id) continue;
            // Never tell a follower a commit index beyond what it is known to hold.
            var commit = Math.Min(pr.Match, Log.Committed);
            // With lease reads, Index stamps the heartbeat with our tick count; the response echoes it.
            var stamp = LeaseReads ? _clock : 0;
            Send(new RaftMessage { To = id, Type = MessageType.Heartbeat, Commit = commit, Context = context, Index = stamp });
        }
    }

    private void SendAppend(ulong to) => MaybeSendAppend(to, sendIfEmpty: true);

    /// <summary>
    /// Sends the follower the entries it needs next, or a snapshot when they are compacted. False when
    /// nothing was sent (paused, or nothing new and <paramref name="sendIfEmpty"/> is false).
    /// </summary>
    private bool MaybeSendAppend(ulong to, bool sendIfEmpty)
    {
        var pr = Tracker.Progress[to];
        if (pr.IsPaused) return false;
        var prevIndex = pr.Next - 1;
        var prevTerm = Log.Term(prevIndex);
        var entries = Log.EntriesFrom(pr.Next, _config.MaxSizePerMsg);
        if (entries is { Count: 0 } && !sendIfEmpty) return false;
        if (prevTerm is null || entries is null) return SendSnapshot(to, pr);
        if (entries.Count > 0)
        {
            switch (pr.State)
            {
                case ProgressState.Replicate:
                    var last = entries[^1].Index;
                    pr.OptimisticUpdate(last);
                    ulong bytes = 0;
                    foreach (var e in entries) bytes += (ulong)e.Size;
                    pr.Inflights.Add(last, bytes);
                    break;
                case ProgressState.Probe:
                    pr.ProbeSent = true;
                    break;
                default:
                    throw new RaftInvariantException($"sending entries to {to} in state {pr.State}");
            }
        }
        Send(new RaftMessage
        {
            To = to, Type = MessageType.Append, Index = prevIndex, LogTerm = prevTerm.Value, Entries = entries, Commit = Log.Committed,
        });
        return true;
    }

    private bool SendSnapshot(ulong to, Progress pr)
    {
        // Only to a follower we heard from recently: a snapshot is expensive, don't send it into the void.
        if (!pr.RecentActive) return false;
        Snapshot snapshot;
        try
        {
            snapshot = Log.Snapshot();
        }
        catch (Storage.SnapshotTemporarilyUnavailableException)
        {
            Debug($"snapshot for {to} is temporarily unavailable");
            return false;
        }
        if (snapshot.IsEmpty) throw new RaftInvariantException("entries are compacted but there is no snapshot to send");
        Info($"sending snapshot at {snapshot.Metadata.Index}/{snapshot.Metadata.Term} to {to} ({pr})");
        pr.BecomeSnapshot(snapshot.Metadata.Index);
        Send(new RaftMessage { To = to, Type = MessageType.Snapshot, Snapshot = snapshot });
        return true;
    }
}
