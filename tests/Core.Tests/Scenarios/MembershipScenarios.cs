using RaftActors.Core;
using RaftActors.Messages;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scenarios;

/// <summary>Membership changes (thesis §4.1–§4.3): single-step changes, learners and joint consensus.</summary>
public sealed class MembershipScenarios
{
    // Founders are written into the log so that joiners replay the founding membership (see the option).
    private static readonly SimulatedClusterOptions Options = new() { BootstrapInLog = true };

    private static void AssertConfigEverywhere(SimulatedCluster cluster, ConfState expected, params ulong[] ids)
    {
        foreach (var id in ids) cluster.Equal(expected, cluster[id].Raft.ConfState, $"configuration on node {id}");
    }

    private static void Change(SimulatedCluster cluster, ConfChange change)
    {
        var leader = cluster.AwaitLeader();
        cluster.Equal(ProposeResult.Accepted, cluster.ProposeConfChange(leader, change), $"membership change {change}");
        cluster.Stabilize();
        cluster.Tick(3);
    }

    [Fact]
    public void Added_voter_catches_up_and_counts_toward_the_quorum()
    {
        var cluster = new SimulatedCluster(seed: 401, Options);
        cluster.AddNodes(3);
        cluster.ProposeAndCommit("a=1");
        cluster.AddNode(4);
        Change(cluster, ConfChange.AddVoter(4));
        AssertConfigEverywhere(cluster, new ConfState([1, 2, 3, 4]), 1, 2, 3, 4);
        cluster.ProposeAndCommit("b=2");
        cluster.Equal("a=1,b=2", ScenarioHelpers.Dump(cluster[4]), "data on the new voter");
        // With four voters, two live ones are not a majority: the new member counts.
        var leader = cluster.AwaitLeader();
        var down = cluster.Nodes.Keys.Where(id => id != leader && id != 4).ToArray();
        foreach (var id in down) cluster.Crash(id);
        cluster.Propose(leader, "c=3");
        cluster.Tick(5);
        cluster.Check(!cluster[leader].Service.Data.ContainsKey("c"), "committed with 2 of 4 voters");
        cluster.Restart(down[0]);
        cluster.Check(cluster.RunUntil(() => cluster[4].Service.Data.ContainsKey("c"), 50), "did not commit with 3 of 4 voters");
    }

    [Fact]
    public void Removed_voter_receives_nothing_more_and_the_rest_continue()
    {
        var cluster = new SimulatedCluster(seed: 402, Options);
        cluster.AddNodes(5);
        var leader = cluster.AwaitLeader();
        var removed = cluster.Nodes.Keys.First(id => id != leader);
        cluster.ProposeAndCommit("a=1");
        Change(cluster, ConfChange.Remove(removed));
        var rest = cluster.Nodes.Keys.Where(id => id != removed).ToArray();
        AssertConfigEverywhere(cluster, new ConfState(rest), rest);
        var lastOfRemoved = cluster[removed].Raft.LastIndex;
        // Four voters remain; with one of them down three still form a majority.
        cluster.Crash(rest.First(id => id != leader));
        cluster.ProposeAndCommit("b=2");
        cluster.Equal(lastOfRemoved, cluster[removed].Raft.LastIndex, "the removed node's log grew");
        cluster.Check(!cluster[removed].Service.Data.ContainsKey("b"), "the removed node applied a later entry");
        cluster.Tick(100);
        cluster.Check(cluster[removed].Raft.Role != StateRole.Leader, "the removed node became leader");
    }

    [Fact]
    public void Removed_leader_steps_down_and_the_rest_elect_a_new_leader()
    {
        var cluster = new SimulatedCluster(seed: 403, Options);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        var term = cluster[leader].Raft.Term;
        cluster.ProposeAndCommit("a=1");
        cluster.Equal(ProposeResult.Accepted, cluster.ProposeConfChange(leader, ConfChange.Remove(leader)), "removing the leader");
        cluster.Stabilize();
        cluster.Equal(StateRole.Follower, cluster[leader].Raft.Role, "role of the removed leader");
        var rest = cluster.Nodes.Keys.Where(id => id != leader).ToArray();
        var fresh = cluster.AwaitNewLeader(rest, term);
        AssertConfigEverywhere(cluster, new ConfState(rest), rest);
        cluster.Propose(fresh, "b=2");
        cluster.Tick(3);
        foreach (var id in rest) cluster.Equal("a=1,b=2", ScenarioHelpers.Dump(cluster[id]), $"data on node {id}");
        cluster.Tick(100);
        cluster.Check(cluster[leader].Raft.Role != StateRole.Leader, "the removed node led again");
    }

    [Fact]
    public void Learner_receives_entries_without_voting_until_promoted()
    {
        var cluster = new SimulatedCluster(seed: 404, Options with { CheckQuorum = false });
        cluster.AddNodes(3);
        cluster.ProposeAndCommit("a=1");
        cluster.AddNode(4);
        Change(cluster, ConfChange.AddLearner(4));
        AssertConfigEverywhere(cluster, new ConfState([1, 2, 3], learners: [4]), 1, 2, 3, 4);
        cluster.ProposeAndCommit("b=2");
        cluster.Equal("a=1,b=2", ScenarioHelpers.Dump(cluster[4]), "data on the learner");
        // The learner does not count: the leader and the learner are not a quorum of three voters.
        var leader = cluster.AwaitLeader();
        var voters = new ulong[] { 1, 2, 3 }.Where(id => id != leader).ToArray();
        foreach (var id in voters) cluster.Crash(id);
        cluster.Propose(leader, "c=3");
        cluster.Tick(5);
        cluster.Check(!cluster[leader].Service.Data.ContainsKey("c"), "a learner counted toward the quorum");
        // A learner never campaigns, however long it hears nothing.
        var learnerVotes = cluster.Count(m => m.From == 4 && m.Type is MessageType.PreVote or MessageType.Vote);
        cluster.Crash(leader);
        cluster.Tick(200);
        cluster.Equal(StateRole.Follower, cluster[4].Raft.Role, "role of the learner");
        cluster.Equal(0, learnerVotes(), "vote requests sent by the learner");
        foreach (var id in voters.Append(leader)) cluster.Restart(id);
        cluster.AwaitConvergence();
        // Promotion: now the former learner is a voter and counts.
        Change(cluster, ConfChange.AddVoter(4));
        AssertConfigEverywhere(cluster, new ConfState([1, 2, 3, 4]), 1, 2, 3, 4);
        cluster.ProposeAndCommit("d=4");
        // c=3 never reached a voter before its leader crashed: whether it survives depends on who leads next.
        cluster.Check(cluster[4].Service.Data.ContainsKey("d"), "the promoted learner lacks d");
        cluster.AssertConverged();
    }

    [Fact]
    public void Joint_change_of_two_members_enters_joint_and_leaves_it_automatically()
    {
        var cluster = new SimulatedCluster(seed: 405, Options);
        cluster.AddNodes(3);
        cluster.ProposeAndCommit("a=1");
        var leader = cluster.AwaitLeader();
        var outgoing = cluster.Nodes.Keys.First(id => id != leader);
        cluster.AddNode(4);
        cluster.AddNode(5);
        var change = new ConfChange(
            [new(ConfChangeType.AddVoter, 4), new(ConfChangeType.AddVoter, 5), new(ConfChangeType.RemoveNode, outgoing)],
            ConfChangeTransition.JointImplicit);
        Change(cluster, change);
        var incoming = new ulong[] { 1, 2, 3, 4, 5 }.Where(id => id != outgoing).ToArray();
        AssertConfigEverywhere(cluster, new ConfState(incoming), incoming);
        // The applied log shows both steps: entering the joint config, then the automatic leave.
        var changes = cluster[4].Applied.Where(e => e.Type == EntryType.ConfChange)
            .Select(e => RaftCodec.DecodeConfChange(e.Data)).Skip(3).ToList(); // after the three founders
        cluster.Equal(2, changes.Count, "membership entries applied by a new member");
        cluster.Equal(change, changes[0], "first membership entry");
        cluster.Check(changes[1].IsLeaveJoint, "the second membership entry leaves the joint config");
        cluster.ProposeAndCommit("b=2");
        foreach (var id in incoming) cluster.Equal("a=1,b=2", ScenarioHelpers.Dump(cluster[id]), $"data on node {id}");
    }

    [Fact]
    public void Explicit_joint_change_stays_joint_until_left_and_refuses_other_changes_meanwhile()
    {
        var cluster = new SimulatedCluster(seed: 406, Options);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        var outgoing = cluster.Nodes.Keys.First(id => id != leader);
        cluster.AddNode(4);
        Change(cluster, new ConfChange([new(ConfChangeType.AddVoter, 4), new(ConfChangeType.RemoveNode, outgoing)], ConfChangeTransition.JointExplicit));
        var incoming = new ulong[] { 1, 2, 3, 4 }.Where(id => id != outgoing).ToArray();
        var joint = new ConfState(incoming, votersOutgoing: [1, 2, 3]);
        AssertConfigEverywhere(cluster, joint, 1, 2, 3, 4);
        cluster.Equal(ProposeResult.ConfChangeRefused, cluster.ProposeConfChange(leader, ConfChange.AddVoter(5)), "a new change while joint");
        cluster.Equal(ProposeResult.Accepted, cluster.ProposeConfChange(leader, ConfChange.LeaveJoint()), "leaving the joint config");
        cluster.Stabilize();
        cluster.Tick(3);
        AssertConfigEverywhere(cluster, new ConfState(incoming), incoming);
        cluster.ProposeAndCommit("after=joint");
    }
}
