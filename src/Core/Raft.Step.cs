using RaftActors.Core.Quorum;
using RaftActors.Messages;

namespace RaftActors.Core;

internal enum CampaignType
{
    PreElection,
    Election,
    Transfer,
}

internal sealed partial class Raft
{
    /// <summary>
    /// Terms first, roles second (§5.1): every message's term is compared with ours in one place;
    /// a newer term turns us into a follower, an older one is answered or ignored; then the message
    /// goes to the handler of our current role.
    /// </summary>
    public ProposeResult Step(RaftMessage m)
    {
        if (m.Term > Term)
        {
            if (!HandleHigherTerm(m)) return ProposeResult.Accepted;
        }
        else if (m.Term < Term && m.Term != 0)
        {
            HandleLowerTerm(m);
            return ProposeResult.Accepted;
        }

        var result = m.Type switch
        {
            MessageType.Hup => Hup(_config.PreVote ? CampaignType.PreElection : CampaignType.Election),
            MessageType.Vote or MessageType.PreVote => HandleVoteRequest(m),
            _ => Role switch
            {
                StateRole.Leader => StepLeader(m),
                StateRole.Follower => StepFollower(m),
                _ => StepCandidate(m),
            },
        };
        if (_config.CheckInvariants) CheckInvariants();
        return result;
    }

    /// <summary>Returns false when the message must be ignored.</summary>
    private bool HandleHigherTerm(RaftMessage m)
    {
        if (m.Type is MessageType.Vote or MessageType.PreVote)
        {
            var force = m.Context.AsSpan().SequenceEqual(CampaignTransferContext);
            // The disruption guard (thesis §4.2.3): while we hear from a live leader, a vote request
            // cannot depose it — unless the leader itself asked for the election (transfer). With lease
            // reads it is also the promise a leader's lease rests on (LeaderLease), so it holds for an
            // election timeout after a start too: a restart forgot which leader we last heard from.
            var inLease = _config.CheckQuorum && ElectionElapsed < ElectionTimeout
                && (Leader != 0 || (LeaseReads && _clock <= (ulong)ElectionTimeout));
            if (!force && inLease)
            {
                Info($"ignored {m.Type} from {m.From} at term {m.Term}: leader {Leader} is live");
                return false;
            }
        }
        switch (m.Type)
        {
            case MessageType.PreVote:
                // A pre-vote never changes our term.
                break;
            case MessageType.PreVoteResponse when !m.Reject:
                // Granted pre-votes carry the future term we asked about; the term rises only if we win.
                break;
            default:
                var leader = m.Type is MessageType.Append or MessageType.Heartbeat or MessageType.Snapshot ? m.From : 0;
                Info($"received {m.Type} from {m.From} at higher term {m.Term}");
                BecomeFollower(m.Term, leader);
                break;
        }
        return true;
    }

    private void HandleLowerTerm(RaftMessage m)
    {
        if ((_config.CheckQuorum || _config.PreVote) && m.Type is MessageType.Heartbeat or MessageType.Append)
        {
            // A stale leader (say, back from a partition) is told our higher term, so it steps down;
            // without this it would never learn, because pre-vote and check-quorum keep us from
            // campaigning against it.
            Send(new RaftMessage { To = m.From, Type = MessageType.AppendResponse });
        }
        else if (m.Type == MessageType.PreVote)
        {
            Send(new RaftMessage { To = m.From, Term = Term, Type = MessageType.PreVoteResponse, Reject = true });
        }
    }

    /// <summary>§5.2 and §5.4.1: grant at most one vote per term, and only to an up-to-date candidate.</summary>
    private ProposeResult HandleVoteRequest(RaftMessage m)
    {
        var canVote = Vote == m.From
            || (Vote == 0 && Leader == 0)
            || (m.Type == MessageType.PreVote && m.Term > Term);
        var upToDate = Log.IsUpToDate(m.Index, m.LogTerm);
        // Every decision is logged, as etcd does: elections are rare, and a cluster that cannot elect is diagnosed from these lines.
        var logs = _logger.IsEnabled(RaftLogLevel.Info) ? $"its log {m.LogTerm}/{m.Index}, ours {Log.LastTerm()}/{Log.LastIndex()}, vote {Vote}, leader {Leader}" : "";
        if (canVote && upToDate)
        {
            Info($"cast {m.Type} for {m.From} at term {m.Term} ({logs})");
            // The response carries the candidate's term: for a pre-vote that is a term we are not in yet.
            Send(new RaftMessage { To = m.From, Term = m.Term, Type = m.Type.VoteResponseType() });
            if (m.Type == MessageType.Vote)
            {
                ElectionElapsed = 0;
                Vote = m.From;
            }
        }
        else
        {
            Info($"rejected {m.Type} from {m.From} at term {m.Term}: {(canVote ? "its log is behind" : "voted or follows another")} ({logs})");
            Send(new RaftMessage { To = m.From, Term = Term, Type = m.Type.VoteResponseType(), Reject = true });
        }
        return ProposeResult.Accepted;
    }

    private ProposeResult Hup(CampaignType type)
    {
        if (Role == StateRole.Leader || !MayCampaign()) return ProposeResult.Accepted;
        Campaign(type);
        return ProposeResult.Accepted;
    }

    /// <summary>
    /// The guard of every campaign, ordinary or for a transfer (etcd checks both): a node that may vote,
    /// and that has no committed but unapplied membership change, since it does not yet know the
    /// configuration it would be elected under (and would count votes with the wrong quorum).
    /// </summary>
    private bool MayCampaign()
    {
        if (!Promotable) return false;
        if (Log.Committed > Log.Applied)
        {
            var unapplied = Log.Slice(Log.Applied + 1, Log.Committed + 1, LogSizes.NoLimit) ?? [];
            if (unapplied.Any(e => e.Type == EntryType.ConfChange))
            {
                Info("cannot campaign: a membership change is committed but not applied");
                return false;
            }
        }
        return true;
    }

    internal void Campaign(CampaignType type)
    {
        ulong term;
        MessageType voteType;
        if (type == CampaignType.PreElection)
        {
            BecomePreCandidate();
            voteType = MessageType.PreVote;
            term = Term + 1;
        }
        else
        {
            BecomeCandidate();
            voteType = MessageType.Vote;
            term = Term;
        }
        if (Poll(Id, true) == VoteResult.Won)
        {
            // A single-voter cluster wins at once.
            if (type == CampaignType.PreElection) Campaign(CampaignType.Election);
            else BecomeLeader();
            return;
        }
        var context = type == CampaignType.Transfer ? CampaignTransferContext : [];
        Info($"asking for {voteType} at term {term} with log {Log.LastTerm()}/{Log.LastIndex()}");
        foreach (var id in Tracker.VoterIds())
        {
            if (id == Id) continue;
            Send(new RaftMessage
            {
                To = id, Term = term, Type = voteType, Index = Log.LastIndex(), LogTerm = Log.LastTerm(), Context = context,
            });
        }
    }

    private VoteResult Poll(ulong id, bool granted)
    {
        Tracker.RecordVote(id, granted);
        var tally = Tracker.TallyVotes();
        if (id != Id) Info($"{(granted ? "granted" : "rejected")} by {id}: {tally.Granted} granted, {tally.Rejected} rejected, {tally.Result}");
        return tally.Result;
    }
}
