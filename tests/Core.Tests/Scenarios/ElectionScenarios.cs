using RaftActors.Core;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scenarios;

/// <summary>Leader election stories (Raft §5.2, thesis §4.2.3 and §9.6) on the deterministic simulated cluster.</summary>
public sealed class ElectionScenarios
{
    [Fact]
    public void Three_nodes_elect_exactly_one_leader_that_everyone_follows()
    {
        var cluster = new SimulatedCluster(seed: 101);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        var term = cluster[leader].Raft.Term;
        cluster.Tick(50);
        // A stable cluster keeps its leader and term, and everyone knows who leads.
        cluster.Equal(leader, cluster.Leader(), "leader after 50 quiet ticks");
        foreach (var n in cluster.Nodes.Values)
        {
            cluster.Equal(term, n.Raft.Term, $"term of node {n.Id}");
            cluster.Equal(leader, n.Raft.Leader, $"leader known to node {n.Id}");
        }
        cluster.Equal(1, cluster.Nodes.Values.Count(n => n.Raft.Role == StateRole.Leader), "number of leaders");
    }

    [Fact]
    public void A_new_leader_is_elected_when_the_leader_is_partitioned_and_it_steps_down_on_heal()
    {
        var cluster = new SimulatedCluster(seed: 102);
        cluster.AddNodes(3);
        var old = cluster.AwaitLeader();
        var oldTerm = cluster[old].Raft.Term;
        cluster.Isolate(old);
        var rest = cluster.Nodes.Keys.Where(id => id != old).ToArray();
        var fresh = cluster.AwaitNewLeader(rest, oldTerm);
        cluster.Heal();
        cluster.Tick(5);
        cluster.Equal(fresh, cluster.Leader(), "leader after heal");
        cluster.Equal(StateRole.Follower, cluster[old].Raft.Role, "role of the old leader");
        cluster.Equal(cluster[fresh].Raft.Term, cluster[old].Raft.Term, "term of the old leader");
        cluster.ProposeAndCommit("after=heal");
        cluster.AssertConverged();
    }

    [Fact]
    public void No_leader_is_elected_in_a_minority_partition()
    {
        var cluster = new SimulatedCluster(seed: 103);
        cluster.AddNodes(5);
        var leader = cluster.AwaitLeader();
        var buddy = cluster.Nodes.Keys.First(id => id != leader);
        var minority = new[] { leader, buddy };
        var majority = cluster.Nodes.Keys.Except(minority).ToArray();
        var term = cluster[leader].Raft.Term;
        cluster.Partition(minority, majority);
        cluster.AwaitNewLeader(majority, term);
        // Past check-quorum's step-down window nobody in the minority leads, ever.
        cluster.Tick(cluster.Options.ElectionTick * 2);
        for (var t = 0; t < 200; t++)
        {
            cluster.Tick();
            foreach (var id in minority) cluster.Check(cluster[id].Raft.Role != StateRole.Leader, $"minority node {id} leads at tick {t}");
        }
        // Pre-vote keeps the minority's terms where they were.
        foreach (var id in minority) cluster.Equal(term, cluster[id].Raft.Term, $"term of minority node {id}");
    }

    [Fact]
    public void Seven_nodes_keep_electing_leaders_under_churn()
    {
        var cluster = new SimulatedCluster(seed: 104);
        cluster.AddNodes(7);
        var random = new Random(104);
        cluster.AwaitLeader();
        for (var round = 0; round < 30; round++)
        {
            cluster.Heal();
            foreach (var n in cluster.Nodes.Values.Where(n => !n.IsUp).ToArray()) cluster.Restart(n.Id);
            // Take down or cut off up to three nodes (never a majority), often including the leader.
            var victims = cluster.Nodes.Keys.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList();
            if (cluster.Leader() is { } l && random.Next(2) == 0 && !victims.Contains(l)) victims[0] = l;
            foreach (var id in victims)
            {
                if (random.Next(2) == 0) cluster.Crash(id);
                else cluster.Isolate(id);
            }
            var survivors = cluster.Nodes.Keys.Except(victims).ToArray();
            var best = survivors.Max(id => cluster[id].Raft.Term);
            var ok = cluster.RunUntil(() => survivors.Any(id => cluster[id].Raft.Role == StateRole.Leader
                && cluster[id].Raft.Term >= best), ElectionBound(cluster) * 2);
            cluster.Check(ok, $"round {round}: survivors ({string.Join(' ', survivors)}) elected no leader");
        }
        cluster.Heal();
        foreach (var n in cluster.Nodes.Values.Where(n => !n.IsUp).ToArray()) cluster.Restart(n.Id);
        cluster.ProposeAndCommit("churn=done", 300);
        cluster.AwaitConvergence();
        cluster.Check(cluster.Safety.LeadersElected >= 10, $"only {cluster.Safety.LeadersElected} terms had a leader");
    }

    private static int ElectionBound(SimulatedCluster cluster) => ScenarioHelpers.ElectionBound(cluster);

    [Fact]
    public void Leader_steps_down_when_it_loses_the_quorum()
    {
        var cluster = new SimulatedCluster(seed: 105);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        var term = cluster[leader].Raft.Term;
        cluster.Isolate(leader);
        // Check-quorum runs once per election timeout; two windows are the worst case.
        var ok = cluster.RunUntil(() => cluster[leader].Raft.Role != StateRole.Leader, cluster.Options.ElectionTick * 2 + 1);
        cluster.Check(ok, $"isolated leader {leader} did not step down");
        cluster.Equal(StateRole.Follower, cluster[leader].Raft.Role, "role after stepping down");
        cluster.Equal(term, cluster[leader].Raft.Term, "stepping down does not change the term");
        cluster.Equal(0UL, cluster[leader].Raft.Leader, "the stepped-down node knows no leader");
    }

    [Fact]
    public void Leader_without_check_quorum_stays_leader_when_isolated()
    {
        var cluster = new SimulatedCluster(seed: 106, new SimulatedClusterOptions { CheckQuorum = false });
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        cluster.Isolate(leader);
        cluster.Tick(cluster.Options.ElectionTick * 5);
        cluster.Equal(StateRole.Leader, cluster[leader].Raft.Role, "role of the isolated leader without check-quorum");
    }

    [Fact]
    public void Pre_vote_keeps_an_isolated_node_from_raising_its_term_and_disrupting_on_heal()
    {
        var cluster = new SimulatedCluster(seed: 107);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        var term = cluster[leader].Raft.Term;
        var loner = cluster.Nodes.Keys.First(id => id != leader);
        cluster.Isolate(loner);
        cluster.Tick(cluster.Options.ElectionTick * 10);
        cluster.Equal(term, cluster[loner].Raft.Term, "term of the isolated node");
        cluster.Check(cluster[loner].Raft.Role is StateRole.PreCandidate or StateRole.Follower, "the isolated node only pre-campaigns");
        cluster.Heal();
        cluster.Tick(cluster.Options.ElectionTick * 3);
        cluster.Equal(leader, cluster.Leader(), "leader after heal");
        cluster.Equal(term, cluster[leader].Raft.Term, "leader's term after heal");
        cluster.Equal(leader, cluster[loner].Raft.Leader, "the rejoined node follows the leader");
    }

    [Fact]
    public void Without_pre_vote_an_isolated_node_inflates_its_term_and_deposes_the_leader_on_heal()
    {
        // The control for the test above: it shows what pre-vote prevents.
        var cluster = new SimulatedCluster(seed: 108, new SimulatedClusterOptions { PreVote = false });
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        var term = cluster[leader].Raft.Term;
        var loner = cluster.Nodes.Keys.First(id => id != leader);
        cluster.Isolate(loner);
        cluster.Tick(cluster.Options.ElectionTick * 10);
        cluster.Check(cluster[loner].Raft.Term > term + 2, "an isolated node without pre-vote keeps raising its term");
        cluster.Heal();
        cluster.AwaitLeader();
        cluster.Tick(cluster.Options.ElectionTick * 4);
        cluster.Check(cluster[cluster.AwaitLeader()].Raft.Term > term, "the cluster's term was raised by the rejoining node");
    }
}
