using RaftActors.Core.Membership;
using RaftActors.Core.Tracker;
using RaftActors.Messages;

namespace RaftActors.Core.Tests.Units;

/// <summary>Configuration changes computed off to the side: simple steps, joint consensus, learners, restore.</summary>
public sealed class MembershipChangerTests
{
    private static ConfChangeSingle Voter(ulong id) => new(ConfChangeType.AddVoter, id);
    private static ConfChangeSingle Learner(ulong id) => new(ConfChangeType.AddLearner, id);
    private static ConfChangeSingle Remove(ulong id) => new(ConfChangeType.RemoveNode, id);

    private static ProgressTracker Tracker(ConfState cs, ulong lastIndex = 10)
    {
        var t = new ProgressTracker(4, 0);
        MembershipChanger.Restore(t, lastIndex, cs);
        return t;
    }

    private static ConfState Apply(ProgressTracker t, Func<MembershipChanger, (TrackerConfig, SortedDictionary<ulong, Progress>)> op)
    {
        var (cfg, prs) = op(new MembershipChanger(t, 10));
        t.Config = cfg;
        t.Progress = prs;
        Assert.Equal(cfg.Voters.AllIds().Concat(cfg.Learners).Concat(cfg.LearnersNext).Distinct().Order(), prs.Keys);
        return t.ConfState();
    }

    [Fact]
    public void Simple_change_adds_a_voter_with_fresh_progress()
    {
        var t = Tracker(new ConfState([1UL]));
        var cs = Apply(t, c => c.Simple([Voter(2)]));
        Assert.Equal([1UL, 2UL], cs.Voters);
        var pr = t.Progress[2];
        Assert.Equal((0UL, 10UL, false, true), (pr.Match, pr.Next, pr.IsLearner, pr.RecentActive));
    }

    [Fact]
    public void Simple_change_removes_a_voter_and_its_progress()
    {
        var t = Tracker(new ConfState([1UL, 2UL, 3UL]));
        var cs = Apply(t, c => c.Simple([Remove(3)]));
        Assert.Equal([1UL, 2UL], cs.Voters);
        Assert.False(t.Progress.ContainsKey(3));
    }

    [Theory]
    [InlineData(new ulong[] { 4, 5 }, new ulong[] { })]
    [InlineData(new ulong[] { 4 }, new ulong[] { 3 })]
    [InlineData(new ulong[] { }, new ulong[] { 2, 3 })]
    public void Simple_change_of_more_than_one_voter_is_refused(ulong[] add, ulong[] remove)
    {
        var t = Tracker(new ConfState([1UL, 2UL, 3UL]));
        var changes = add.Select(Voter).Concat(remove.Select(Remove)).ToArray();
        Assert.Throws<MembershipChangeException>(() => new MembershipChanger(t, 10).Simple(changes));
        Assert.Equal([1UL, 2UL, 3UL], t.ConfState().Voters); // the live tracker is untouched
    }

    [Fact]
    public void Simple_change_may_touch_any_number_of_learners_with_one_voter()
    {
        var t = Tracker(new ConfState([1UL, 2UL]));
        var cs = Apply(t, c => c.Simple([Learner(5), Learner(6), Voter(3)]));
        Assert.Equal([1UL, 2UL, 3UL], cs.Voters);
        Assert.Equal([5UL, 6UL], cs.Learners);
    }

    [Fact]
    public void Removing_every_voter_is_refused()
    {
        var t = Tracker(new ConfState([1UL]));
        Assert.Throws<MembershipChangeException>(() => new MembershipChanger(t, 10).Simple([Remove(1)]));
    }

    [Fact]
    public void Learner_is_promoted_to_voter_and_keeps_its_progress()
    {
        var t = Tracker(new ConfState([1UL, 2UL], learners: [3UL]));
        t.Progress[3].Match = 7;
        var cs = Apply(t, c => c.Simple([Voter(3)]));
        Assert.Equal([1UL, 2UL, 3UL], cs.Voters);
        Assert.Empty(cs.Learners);
        Assert.Equal((7UL, false), (t.Progress[3].Match, t.Progress[3].IsLearner));
    }

    [Fact]
    public void Voter_demoted_to_learner_keeps_its_progress()
    {
        var t = Tracker(new ConfState([1UL, 2UL, 3UL]));
        t.Progress[3].Match = 7;
        var cs = Apply(t, c => c.Simple([Learner(3)]));
        Assert.Equal([1UL, 2UL], cs.Voters);
        Assert.Equal([3UL], cs.Learners);
        Assert.Equal((7UL, true), (t.Progress[3].Match, t.Progress[3].IsLearner));
    }

    [Fact]
    public void Enter_and_leave_joint_replaces_two_voters_at_once()
    {
        var t = Tracker(new ConfState([1UL, 2UL, 3UL]));
        var joint = Apply(t, c => c.EnterJoint(autoLeave: true, [Remove(2), Remove(3), Voter(4), Voter(5)]));
        Assert.Equal([1UL, 4UL, 5UL], joint.Voters);
        Assert.Equal([1UL, 2UL, 3UL], joint.VotersOutgoing);
        Assert.True(joint.AutoLeave);
        Assert.True(t.Progress.ContainsKey(2)); // outgoing voters keep progress until the joint config is left
        var left = Apply(t, c => c.LeaveJoint());
        Assert.Equal(new ConfState([1UL, 4UL, 5UL]), left);
        Assert.Equal([1UL, 4UL, 5UL], t.Progress.Keys);
    }

    [Fact]
    public void Voter_demoted_in_a_joint_change_waits_in_LearnersNext()
    {
        var t = Tracker(new ConfState([1UL, 2UL, 3UL]));
        var joint = Apply(t, c => c.EnterJoint(autoLeave: false, [Learner(3), Voter(4)]));
        Assert.Equal([1UL, 2UL, 4UL], joint.Voters);
        Assert.Equal([1UL, 2UL, 3UL], joint.VotersOutgoing);
        // Still a voter of the outgoing half, so not a learner yet: a node is never both.
        Assert.Empty(joint.Learners);
        Assert.Equal([3UL], joint.LearnersNext);
        Assert.False(t.Progress[3].IsLearner);
        var left = Apply(t, c => c.LeaveJoint());
        Assert.Equal(new ConfState([1UL, 2UL, 4UL], learners: [3UL]), left);
        Assert.True(t.Progress[3].IsLearner);
    }

    [Fact]
    public void Joint_changes_are_refused_in_the_wrong_state()
    {
        var t = Tracker(new ConfState([1UL, 2UL, 3UL]));
        Assert.Throws<MembershipChangeException>(() => new MembershipChanger(t, 10).LeaveJoint());
        Apply(t, c => c.EnterJoint(false, [Voter(4)]));
        Assert.Throws<MembershipChangeException>(() => new MembershipChanger(t, 10).EnterJoint(false, [Voter(5)]));
        Assert.Throws<MembershipChangeException>(() => new MembershipChanger(t, 10).Simple([Voter(5)]));
    }

    [Fact]
    public void Change_with_node_id_zero_is_a_no_op()
    {
        var t = Tracker(new ConfState([1UL]));
        Assert.Equal(new ConfState([1UL]), Apply(t, c => c.Simple([Voter(0), Remove(0)])));
    }

    public static TheoryData<ConfState> ConfStates() =>
    [
        new ConfState([1UL]),
        new ConfState([1UL, 2UL, 3UL]),
        new ConfState([1UL, 2UL], learners: [3UL, 4UL]),
        new ConfState([1UL, 4UL, 5UL], votersOutgoing: [1UL, 2UL, 3UL], autoLeave: true),
        new ConfState([1UL, 2UL, 4UL], learners: [5UL], votersOutgoing: [1UL, 2UL, 3UL], learnersNext: [3UL]),
        new ConfState([4UL, 5UL], votersOutgoing: [1UL, 2UL, 3UL], learnersNext: [1UL, 2UL]),
    ];

    [Theory]
    [MemberData(nameof(ConfStates))]
    public void Restore_round_trips_every_configuration(ConfState cs)
    {
        var t = Tracker(cs);
        Assert.Equal(cs, t.ConfState());
    }
}
