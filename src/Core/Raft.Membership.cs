using RaftActors.Core.Membership;
using RaftActors.Core.Tracker;
using RaftActors.Messages;

namespace RaftActors.Core;

internal sealed partial class Raft
{
    /// <summary>
    /// Why a proposed membership change must not enter the log now, or null when it may. Only one change
    /// may be unapplied at a time (so two changes with different quorums are never in flight together),
    /// a joint config must be left before a new change, and only a joint config can be left.
    /// </summary>
    private string? ConfChangeRefusal(Entry entry)
    {
        ConfChange change;
        try
        {
            change = RaftCodec.DecodeConfChange(entry.Data);
        }
        catch (CodecException ex)
        {
            return $"undecodable change: {ex.Message}";
        }
        var joint = Tracker.Config.Voters.IsJoint;
        if (PendingConfIndex > Log.Applied) return $"a change at index {PendingConfIndex} is not applied yet (applied {Log.Applied})";
        if (joint && !change.IsLeaveJoint) return "the configuration is joint; it must be left first";
        if (!joint && change.IsLeaveJoint) return "the configuration is not joint; there is nothing to leave";
        return null;
    }

    /// <summary>Applies a committed membership change to the tracker (called when the entry is applied).</summary>
    public ConfState ApplyConfChange(ConfChange change)
    {
        var changer = new MembershipChanger(Tracker, Log.LastIndex());
        var (cfg, prs) = change.IsLeaveJoint ? changer.LeaveJoint()
            : change.EnterJoint() is (var autoLeave, true) ? changer.EnterJoint(autoLeave, change.Changes)
            : changer.Simple(change.Changes);
        var cs = SwitchToConfig(cfg, prs);
        Info($"applied membership change {change}: now {cs}");
        return cs;
    }

    private ConfState SwitchToConfig(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs)
    {
        Tracker.Config = cfg;
        Tracker.Progress = prs;
        var cs = Tracker.ConfState();
        var isMember = prs.TryGetValue(Id, out var self);
        IsLearner = isMember && self!.IsLearner;
        if ((!isMember || IsLearner) && Role == StateRole.Leader)
        {
            if (_config.StepDownOnRemoval)
            {
                // A leader that is no longer a voter must not keep deciding for the cluster.
                Info("stepped down: this leader is no longer a voter");
                BecomeFollower(Term, 0);
            }
            return cs;
        }
        if ((!isMember || IsLearner) && Role is StateRole.Candidate or StateRole.PreCandidate)
        {
            // A campaign must not be won by a node that is no longer a voter: as leader it would have no
            // progress of its own and decide for a configuration it is not part of.
            Info("stopped campaigning: this node is no longer a voter");
            BecomeFollower(Term, 0);
            return cs;
        }
        if (Role != StateRole.Leader || cs.Voters.Count == 0) return cs;
        // The quorum changed: something may be committed now, and new members need their first append.
        if (MaybeCommit())
        {
            BroadcastAppend();
        }
        else
        {
            foreach (var id in Tracker.Progress.Keys)
            {
                if (id != Id) MaybeSendAppend(id, sendIfEmpty: false);
            }
        }
        if (LeadTransferee != 0 && !Tracker.Config.Voters.Incoming.Contains(LeadTransferee)) AbortLeaderTransfer();
        return cs;
    }

    /// <summary>
    /// Records what the runtime has applied. A leader in a joint config with auto-leave proposes the
    /// leave-joint change once the entry that entered it is applied.
    /// </summary>
    internal void AppliedTo(ulong newApplied)
    {
        var oldApplied = Log.Applied;
        Log.AppliedTo(newApplied);
        if (Tracker.Config.AutoLeave && oldApplied <= PendingConfIndex && newApplied >= PendingConfIndex && Role == StateRole.Leader)
        {
            var leave = new Entry(0, 0, EntryType.ConfChange, RaftCodec.Encode(ConfChange.LeaveJoint()));
            if (!AppendEntries([leave])) throw new RaftInvariantException("the automatic leave-joint entry was refused");
            PendingConfIndex = Log.LastIndex();
            Info($"proposed leaving the joint configuration {Tracker.Config} automatically");
            BroadcastAppend();
        }
    }
}
