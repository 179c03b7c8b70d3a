using System.Text;
using RaftActors.Core;
using RaftActors.Messages;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scenarios;

/// <summary>Snapshot catch-up (§7), leadership transfer (thesis §3.10) and ReadIndex reads (thesis §6.4).</summary>
public sealed class LeadershipScenarios
{
    [Fact]
    public void Lagging_follower_is_brought_up_to_date_by_a_snapshot()
    {
        var cluster = new SimulatedCluster(seed: 501, new SimulatedClusterOptions { SnapshotEvery = 5, KeepEntriesAfterSnapshot = 2 });
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        var lagging = cluster.Nodes.Keys.First(id => id != leader);
        cluster.ProposeAndCommit("a=0");
        cluster.Isolate(lagging);
        for (var i = 0; i < 30; i++) cluster.ProposeAndCommit($"k{i % 4}={i}");
        cluster.Check(cluster[leader].Storage.FirstIndex() > cluster[lagging].Raft.LastIndex + 1, "the leader did not compact past the lagging follower");
        var snapshots = cluster.Count(m => m.Type == MessageType.Snapshot && m.To == lagging);
        cluster.Heal();
        cluster.AwaitConvergence();
        cluster.Check(snapshots() >= 1, "no snapshot was sent to the lagging follower");
        cluster.Check(cluster[lagging].Storage.Snapshot().Metadata.Index > 1, "the follower holds no snapshot");
        cluster.Equal(ScenarioHelpers.Dump(cluster[leader]), ScenarioHelpers.Dump(cluster[lagging]), "data on the lagging follower");
        cluster.Equal("a=0,k0=28,k1=29,k2=26,k3=27", ScenarioHelpers.Dump(cluster[lagging]), "data after catch-up");
        // The restored follower keeps up normally afterwards.
        cluster.ProposeAndCommit("after=snapshot");
        cluster.AssertConverged();
    }

    [Fact]
    public void Leadership_transfer_to_an_up_to_date_follower_completes_at_once()
    {
        var cluster = new SimulatedCluster(seed: 502);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        cluster.ProposeAndCommit("a=1");
        var term = cluster[leader].Raft.Term;
        var target = cluster.Nodes.Keys.First(id => id != leader);
        cluster.Equal(ProposeResult.Accepted, cluster.TransferLeader(leader, target), "transfer request");
        cluster.Stabilize();
        // No tick passed: timeout-now made the target campaign right away, without pre-vote.
        cluster.Equal(target, cluster.Leader(), "leader after the transfer");
        cluster.Equal(term + 1, cluster[target].Raft.Term, "term after the transfer");
        cluster.Equal(StateRole.Follower, cluster[leader].Raft.Role, "role of the former leader");
        cluster.ProposeAndCommit("b=2");
        cluster.AssertConverged();
    }

    [Fact]
    public void Leader_refuses_proposals_while_transferring_to_a_lagging_follower()
    {
        var cluster = new SimulatedCluster(seed: 503);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        var target = cluster.Nodes.Keys.First(id => id != leader);
        cluster.Isolate(target);
        for (var i = 0; i < 5; i++) cluster.ProposeAndCommit($"k{i}=v");
        cluster.Equal(ProposeResult.Accepted, cluster.TransferLeader(leader, target), "transfer request");
        cluster.Equal(target, cluster[leader].Raft.Status().LeadTransferee, "transferee while the target lags");
        cluster.Equal(ProposeResult.TransferInProgress, cluster.Propose(leader, "during=transfer"), "proposal during the transfer");
        cluster.Heal();
        var ok = cluster.RunUntil(() => cluster.Leader() == target, 3);
        cluster.Check(ok, "the caught-up target did not take over within 3 ticks");
        cluster.Equal("k0=v,k1=v,k2=v,k3=v,k4=v", ScenarioHelpers.Dump(cluster[target]), "data on the new leader");
        cluster.Equal(ProposeResult.Accepted, cluster.Propose(target, "after=transfer"), "proposal to the new leader");
    }

    [Fact]
    public void Transfer_to_an_unreachable_follower_is_abandoned_after_an_election_timeout()
    {
        var cluster = new SimulatedCluster(seed: 504);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        var target = cluster.Nodes.Keys.First(id => id != leader);
        cluster.Isolate(target);
        cluster.ProposeAndCommit("a=1");
        cluster.TransferLeader(leader, target);
        cluster.Tick(cluster.Options.ElectionTick + 1);
        cluster.Equal(0UL, cluster[leader].Raft.Status().LeadTransferee, "transferee after an election timeout");
        cluster.Equal(leader, cluster.Leader(), "leader after the abandoned transfer");
        cluster.Equal(ProposeResult.Accepted, cluster.Propose(leader, "b=2"), "proposal after the abandoned transfer");
    }

    [Fact]
    public void ReadIndex_is_served_by_the_leader_and_through_a_follower_at_the_commit_index()
    {
        var cluster = new SimulatedCluster(seed: 505);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        cluster.ProposeAndCommit("x=1");
        var follower = cluster.Nodes.Keys.First(id => id != leader);
        cluster.ReadIndex(leader, "r1");
        cluster.ReadIndex(follower, "r2");
        cluster.Stabilize();
        var commit = cluster[leader].Raft.CommitIndex;
        cluster.Equal(1, cluster[leader].ReadStates.Count, "read states on the leader");
        cluster.Equal(commit, cluster[leader].ReadStates[0].Index, "read index on the leader");
        cluster.Equal("r1", Encoding.UTF8.GetString(cluster[leader].ReadStates[0].RequestContext), "request context on the leader");
        cluster.Equal(1, cluster[follower].ReadStates.Count, "read states on the follower");
        cluster.Equal(commit, cluster[follower].ReadStates[0].Index, "read index through the follower");
    }

    [Fact]
    public void Partitioned_old_leader_never_serves_a_ReadIndex_read()
    {
        // Without check-quorum the isolated leader keeps believing it leads: only the quorum round of
        // ReadIndex stops it from serving a stale read.
        var cluster = new SimulatedCluster(seed: 506, new SimulatedClusterOptions { CheckQuorum = false });
        cluster.AddNodes(5);
        var old = cluster.AwaitLeader();
        cluster.ProposeAndCommit("x=old");
        var buddy = cluster.Nodes.Keys.First(id => id != old);
        var majority = cluster.Nodes.Keys.Except([old, buddy]).ToArray();
        cluster.Partition([old, buddy], majority);
        var fresh = cluster.AwaitNewLeader(majority, cluster[old].Raft.Term);
        cluster.ProposeAndCommit("x=new");
        cluster.Equal(StateRole.Leader, cluster[old].Raft.Role, "the old leader still believes it leads");
        cluster.Equal(ProposeResult.Accepted, cluster.ReadIndex(old, "stale"), "read request on the old leader");
        cluster.ReadIndex(buddy, "stale-too");
        cluster.Tick(100);
        cluster.Equal(0, cluster[old].ReadStates.Count, "read states on the partitioned old leader");
        cluster.Equal(0, cluster[buddy].ReadStates.Count, "read states on its follower");
        cluster.ReadIndex(fresh, "fresh");
        cluster.Stabilize();
        cluster.Equal(1, cluster[fresh].ReadStates.Count, "read states on the new leader");
        cluster.Equal("new", cluster[fresh].Service.Data["x"], "value the new leader serves");
        // On heal the old leader learns the new term and drops its pending reads unanswered.
        cluster.Heal();
        cluster.Tick(5);
        cluster.Equal(StateRole.Follower, cluster[old].Raft.Role, "role of the old leader after heal");
        cluster.Equal(0, cluster[old].ReadStates.Count, "read states on the old leader after heal");
    }
}
