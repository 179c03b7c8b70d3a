using RaftActors.Core.Membership;
using RaftActors.Core.Quorum;
using RaftActors.Core.Tracker;
using RaftActors.Messages;

namespace RaftActors.Core;

internal sealed partial class Raft
{
    private ProposeResult StepFollower(RaftMessage m)
    {
        switch (m.Type)
        {
            case MessageType.Propose:
                if (Leader == 0) return ProposeResult.NoLeader;
                if (_config.DisableProposalForwarding) return ProposeResult.ForwardingDisabled;
                // A request forwarded to us by the node we now follow (it lost leadership meanwhile) would go
                // back to where it came from, which refuses a message "from itself": drop it, as if lost.
                if (m.From == Leader) break;
                Send(m with { To = Leader });
                break;
            case MessageType.Append:
                ElectionElapsed = 0;
                Leader = m.From;
                HandleAppendEntries(m);
                break;
            case MessageType.Heartbeat:
                ElectionElapsed = 0;
                Leader = m.From;
                HandleHeartbeat(m);
                break;
            case MessageType.Snapshot:
                ElectionElapsed = 0;
                Leader = m.From;
                HandleSnapshot(m);
                break;
            case MessageType.TransferLeader:
                if (Leader == 0) return ProposeResult.NoLeader;
                // The transferee already leads: nothing to do (as the leader itself would decide), and the
                // forwarded request would reach the leader "from itself", which it refuses as forged.
                if (m.From == Leader) break;
                Send(m with { To = Leader });
                break;
            case MessageType.TimeoutNow:
                Info($"received timeout-now from {m.From}: campaigning for the transfer");
                // Leadership transfer skips pre-vote: the leader asked for this election.
                return HupForTransfer();
            case MessageType.ReadIndex:
                if (Leader == 0) return ProposeResult.NoLeader;
                if (m.From == Leader) break; // bounced back to its requester: see Propose above
                Send(m with { To = Leader });
                break;
            case MessageType.ReadIndexResponse:
                if (m.Entries.Count == 1) _readStates.Add(new ReadState(m.Index, m.Entries[0].Data));
                break;
        }
        return ProposeResult.Accepted;
    }

    private ProposeResult HupForTransfer()
    {
        if (!MayCampaign()) return ProposeResult.Accepted;
        Campaign(CampaignType.Transfer);
        return ProposeResult.Accepted;
    }

    private ProposeResult StepCandidate(RaftMessage m)
    {
        var myResponse = Role == StateRole.PreCandidate ? MessageType.PreVoteResponse : MessageType.VoteResponse;
        switch (m.Type)
        {
            case MessageType.Propose:
                return ProposeResult.Campaigning;
            case MessageType.ReadIndex or MessageType.TransferLeader:
                return ProposeResult.NoLeader;
            case MessageType.Append:
                BecomeFollower(m.Term, m.From);
                HandleAppendEntries(m);
                break;
            case MessageType.Heartbeat:
                BecomeFollower(m.Term, m.From);
                HandleHeartbeat(m);
                break;
            case MessageType.Snapshot:
                BecomeFollower(m.Term, m.From);
                HandleSnapshot(m);
                break;
            case var t when t == myResponse:
                switch (Poll(m.From, !m.Reject))
                {
                    case VoteResult.Won:
                        if (Role == StateRole.PreCandidate)
                        {
                            Campaign(CampaignType.Election);
                        }
                        else
                        {
                            BecomeLeader();
                            BroadcastAppend();
                        }
                        break;
                    case VoteResult.Lost:
                        // Stay in this term; a pre-candidate returns to its old term with no leader known.
                        BecomeFollower(Term, 0);
                        break;
                }
                break;
        }
        return ProposeResult.Accepted;
    }

    /// <summary>§5.3: accept entries that extend a matching prefix; otherwise reject with a hint for fast backoff.</summary>
    private void HandleAppendEntries(RaftMessage m)
    {
        if (m.Index < Log.Committed)
        {
            // Everything up to our commit index is known to match; tell the leader where we are.
            Send(new RaftMessage { To = m.From, Type = MessageType.AppendResponse, Index = Log.Committed });
            return;
        }
        if (Log.MaybeAppend(m.Index, m.LogTerm, m.Commit, m.Entries) is { } lastNew)
        {
            Send(new RaftMessage { To = m.From, Type = MessageType.AppendResponse, Index = lastNew });
            return;
        }
        // Point the leader at the last index where our term is not above the term it probed with: every
        // entry between there and m.Index conflicts, so it can skip them in one round trip.
        var hintIndex = Log.FindConflictByTerm(Math.Min(m.Index, Log.LastIndex()), m.LogTerm);
        var hintTerm = Log.Term(hintIndex) ?? throw new RaftInvariantException($"no term at hint index {hintIndex}");
        Debug($"rejected append at {m.LogTerm}/{m.Index} from {m.From}; hint {hintTerm}/{hintIndex}");
        Send(new RaftMessage
        {
            To = m.From, Type = MessageType.AppendResponse, Index = m.Index, Reject = true, RejectHint = hintIndex, LogTerm = hintTerm,
        });
    }

    private void HandleHeartbeat(RaftMessage m)
    {
        // The leader sends at most our match index, and entries up to the match index agree with the
        // leader's; clamping keeps a heartbeat that races a truncation from pointing past our log.
        Log.CommitTo(Math.Min(m.Commit, Log.LastIndex()));
        // Index is the leader's lease stamp (0 without lease reads), echoed so it knows when our guard began.
        Send(new RaftMessage { To = m.From, Type = MessageType.HeartbeatResponse, Context = m.Context, Index = m.Index });
    }

    private void HandleSnapshot(RaftMessage m)
    {
        var snapshot = m.Snapshot;
        if (snapshot is null || snapshot.IsEmpty) return;
        if (Restore(snapshot))
        {
            Info($"restored snapshot at {snapshot.Metadata.Index}/{snapshot.Metadata.Term}");
            Send(new RaftMessage { To = m.From, Type = MessageType.AppendResponse, Index = Log.LastIndex() });
        }
        else
        {
            Send(new RaftMessage { To = m.From, Type = MessageType.AppendResponse, Index = Log.Committed });
        }
    }

    /// <summary>Replaces the log with a snapshot when it is newer than what we have committed.</summary>
    private bool Restore(Snapshot snapshot)
    {
        var meta = snapshot.Metadata;
        if (meta.Index <= Log.Committed) return false;
        if (Role != StateRole.Follower)
        {
            // Only a follower may restore; anything else means a leader of our own term sent it — impossible.
            BecomeFollower(Term + 1, 0);
            return false;
        }
        var cs = meta.ConfState;
        if (!cs.Voters.Contains(Id) && !cs.Learners.Contains(Id) && !cs.VotersOutgoing.Contains(Id))
        {
            Info($"ignored snapshot at {meta.Index}: this node is not in its configuration {cs}");
            return false;
        }
        if (Log.MatchTerm(meta.Index, meta.Term))
        {
            // We already hold the snapshot's last entry: fast-forward the commit index instead.
            Log.CommitTo(meta.Index);
            return false;
        }
        Log.Restore(snapshot);
        Tracker.Config = new TrackerConfig();
        Tracker.Progress = [];
        MembershipChanger.Restore(Tracker, Log.LastIndex(), cs);
        var restored = SwitchToConfig(Tracker.Config, Tracker.Progress);
        if (!restored.Equals(cs)) throw new RaftInvariantException($"restored configuration {restored} differs from the snapshot's {cs}");
        var self = Tracker.Progress[Id];
        self.MaybeUpdate(self.Next - 1);
        return true;
    }
}
