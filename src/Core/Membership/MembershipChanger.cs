using RaftActors.Core.Tracker;
using RaftActors.Messages;

namespace RaftActors.Core.Membership;

/// <summary>A membership change that cannot be applied to the current configuration.</summary>
public sealed class MembershipChangeException(string message) : Exception(message);

/// <summary>
/// Computes the configuration that results from a <see cref="ConfChange"/> without modifying the live
/// tracker (etcd's confchange.Changer). Three kinds of step:
/// <list type="bullet">
/// <item><see cref="Simple"/>: at most one voter added or removed; any number of learners.</item>
/// <item><see cref="EnterJoint"/>: the incoming config starts as a copy of the current voters, the changes are
/// applied to it, and decisions need both halves until <see cref="LeaveJoint"/>.</item>
/// <item><see cref="LeaveJoint"/>: drops the outgoing half and turns <c>LearnersNext</c> into learners.</item>
/// </list>
/// </summary>
internal sealed class MembershipChanger(ProgressTracker tracker, ulong lastIndex)
{
    public (TrackerConfig Config, SortedDictionary<ulong, Progress> Progress) EnterJoint(bool autoLeave, IReadOnlyList<ConfChangeSingle> changes)
    {
        var (cfg, prs) = CheckAndCopy();
        if (cfg.Voters.IsJoint) throw new MembershipChangeException("configuration is already joint");
        if (cfg.Voters.Incoming.Count == 0) throw new MembershipChangeException("cannot make a zero-voter configuration joint");
        cfg.Voters.Outgoing.Clear();
        foreach (var id in cfg.Voters.Incoming.Ids) cfg.Voters.Outgoing.Add(id);
        Apply(cfg, prs, changes);
        cfg.AutoLeave = autoLeave;
        return CheckAndReturn(cfg, prs);
    }

    public (TrackerConfig Config, SortedDictionary<ulong, Progress> Progress) LeaveJoint()
    {
        var (cfg, prs) = CheckAndCopy();
        if (!cfg.Voters.IsJoint) throw new MembershipChangeException("cannot leave a non-joint configuration");
        foreach (var id in cfg.LearnersNext)
        {
            cfg.Learners.Add(id);
            prs[id].IsLearner = true;
        }
        cfg.LearnersNext.Clear();
        foreach (var id in cfg.Voters.Outgoing.Ids)
        {
            if (!cfg.Voters.Incoming.Contains(id) && !cfg.Learners.Contains(id)) prs.Remove(id);
        }
        cfg.Voters.Outgoing.Clear();
        cfg.AutoLeave = false;
        return CheckAndReturn(cfg, prs);
    }

    public (TrackerConfig Config, SortedDictionary<ulong, Progress> Progress) Simple(IReadOnlyList<ConfChangeSingle> changes)
    {
        var (cfg, prs) = CheckAndCopy();
        if (cfg.Voters.IsJoint) throw new MembershipChangeException("cannot apply a simple change in a joint configuration");
        Apply(cfg, prs, changes);
        var before = tracker.Config.Voters.Incoming.Ids;
        var after = cfg.Voters.Incoming.Ids;
        var changed = before.Count(id => !cfg.Voters.Incoming.Contains(id)) + after.Count(id => !tracker.Config.Voters.Incoming.Contains(id));
        if (changed > 1) throw new MembershipChangeException("more than one voter changed without entering a joint configuration");
        return CheckAndReturn(cfg, prs);
    }

    private void Apply(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs, IReadOnlyList<ConfChangeSingle> changes)
    {
        foreach (var change in changes)
        {
            // Id 0 means "cancelled": the runtime may neutralise a change this way before applying it.
            if (change.NodeId == 0) continue;
            switch (change.Type)
            {
                case ConfChangeType.AddVoter: MakeVoter(cfg, prs, change.NodeId); break;
                case ConfChangeType.AddLearner: MakeLearner(cfg, prs, change.NodeId); break;
                case ConfChangeType.RemoveNode: Remove(cfg, prs, change.NodeId); break;
                case ConfChangeType.UpdateNode: break;
                default: throw new MembershipChangeException($"unknown change type {change.Type}");
            }
        }
        if (cfg.Voters.Incoming.Count == 0) throw new MembershipChangeException("the change removes every voter");
    }

    private void MakeVoter(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs, ulong id)
    {
        if (!prs.TryGetValue(id, out var pr))
        {
            InitProgress(cfg, prs, id, isLearner: false);
            return;
        }
        pr.IsLearner = false;
        cfg.Learners.Remove(id);
        cfg.LearnersNext.Remove(id);
        cfg.Voters.Incoming.Add(id);
    }

    private void MakeLearner(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs, ulong id)
    {
        if (!prs.TryGetValue(id, out var pr))
        {
            InitProgress(cfg, prs, id, isLearner: true);
            return;
        }
        if (pr.IsLearner) return;
        // Remove it as a voter, keeping its progress: it stays replicated to.
        Remove(cfg, prs, id);
        prs[id] = pr;
        if (cfg.Voters.Outgoing.Contains(id))
        {
            // Still a voter in the outgoing half: it becomes a learner when the joint config is left.
            cfg.LearnersNext.Add(id);
        }
        else
        {
            pr.IsLearner = true;
            cfg.Learners.Add(id);
        }
    }

    private static void Remove(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs, ulong id)
    {
        if (!prs.ContainsKey(id)) return;
        cfg.Voters.Incoming.Remove(id);
        cfg.Learners.Remove(id);
        cfg.LearnersNext.Remove(id);
        // A voter of the outgoing half keeps its progress until the joint config is left.
        if (!cfg.Voters.Outgoing.Contains(id)) prs.Remove(id);
    }

    private void InitProgress(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs, ulong id, bool isLearner)
    {
        if (isLearner) cfg.Learners.Add(id);
        else cfg.Voters.Incoming.Add(id);
        // RecentActive so that check-quorum does not step the leader down before the new member answers once.
        prs[id] = new Progress(0, Math.Max(lastIndex, 1), tracker.NewInflights(), isLearner) { RecentActive = true };
    }

    private (TrackerConfig, SortedDictionary<ulong, Progress>) CheckAndCopy()
    {
        var cfg = tracker.Config.Clone();
        var prs = new SortedDictionary<ulong, Progress>();
        foreach (var (id, pr) in tracker.Progress) prs[id] = pr.Clone();
        CheckInvariants(cfg, prs);
        return (cfg, prs);
    }

    private static (TrackerConfig, SortedDictionary<ulong, Progress>) CheckAndReturn(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs)
    {
        CheckInvariants(cfg, prs);
        return (cfg, prs);
    }

    private static void CheckInvariants(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs)
    {
        foreach (var id in cfg.Voters.AllIds().Concat(cfg.Learners).Concat(cfg.LearnersNext))
        {
            if (!prs.ContainsKey(id)) throw new MembershipChangeException($"no progress for member {id}");
        }
        foreach (var id in cfg.LearnersNext)
        {
            if (!cfg.Voters.Outgoing.Contains(id)) throw new MembershipChangeException($"{id} is in LearnersNext but not an outgoing voter");
            if (prs[id].IsLearner) throw new MembershipChangeException($"{id} is in LearnersNext but already marked a learner");
        }
        foreach (var id in cfg.Learners)
        {
            if (cfg.Voters.Contains(id)) throw new MembershipChangeException($"{id} is both a learner and a voter");
            if (!prs[id].IsLearner) throw new MembershipChangeException($"{id} is a learner but its progress says otherwise");
        }
        if (!cfg.Voters.IsJoint && (cfg.LearnersNext.Count > 0 || cfg.AutoLeave))
        {
            throw new MembershipChangeException("a non-joint configuration has LearnersNext or AutoLeave set");
        }
    }

    /// <summary>
    /// Rebuilds the tracker's configuration from a <see cref="ConfState"/> (at start-up or from a snapshot)
    /// by replaying it as a sequence of changes from an empty configuration.
    /// </summary>
    public static void Restore(ProgressTracker tracker, ulong lastIndex, ConfState cs)
    {
        var outgoing = cs.VotersOutgoing.Select(id => new ConfChangeSingle(ConfChangeType.AddVoter, id)).ToList();
        var incoming = cs.VotersOutgoing.Select(id => new ConfChangeSingle(ConfChangeType.RemoveNode, id))
            .Concat(cs.Voters.Select(id => new ConfChangeSingle(ConfChangeType.AddVoter, id)))
            .Concat(cs.Learners.Select(id => new ConfChangeSingle(ConfChangeType.AddLearner, id)))
            .Concat(cs.LearnersNext.Select(id => new ConfChangeSingle(ConfChangeType.AddLearner, id)))
            .ToList();
        void Step(Func<MembershipChanger, (TrackerConfig, SortedDictionary<ulong, Progress>)> op)
        {
            var (cfg, prs) = op(new MembershipChanger(tracker, lastIndex));
            tracker.Config = cfg;
            tracker.Progress = prs;
        }
        if (outgoing.Count == 0)
        {
            foreach (var change in incoming) Step(c => c.Simple([change]));
        }
        else
        {
            foreach (var change in outgoing) Step(c => c.Simple([change]));
            Step(c => c.EnterJoint(cs.AutoLeave, incoming));
        }
    }
}
