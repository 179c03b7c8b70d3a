using RaftActors.Core;
using RaftActors.Messages;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scenarios;

/// <summary>Log replication stories (Raft §5.3, §5.4) on the deterministic simulated cluster.</summary>
public sealed class ReplicationScenarios
{
    [Fact]
    public void Every_node_applies_the_same_commands_in_the_same_order()
    {
        var cluster = new SimulatedCluster(seed: 201);
        cluster.AddNodes(5);
        for (var i = 0; i < 10; i++) cluster.ProposeAndCommit($"k{i % 3}=v{i}");
        cluster.AssertConverged();
        foreach (var n in cluster.Nodes.Values)
        {
            cluster.Equal("k0=v9,k1=v7,k2=v8", ScenarioHelpers.Dump(n), $"data on node {n.Id}");
            cluster.Equal(10L, n.Service.CommandsApplied, $"commands applied on node {n.Id}");
        }
    }

    [Fact]
    public void Agreement_continues_with_one_follower_down_and_the_follower_catches_up()
    {
        var cluster = new SimulatedCluster(seed: 202);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        cluster.ProposeAndCommit("a=1");
        var down = cluster.Nodes.Keys.First(id => id != leader);
        cluster.Crash(down);
        cluster.ProposeAndCommit("b=2");
        cluster.ProposeAndCommit("c=3");
        cluster.Equal(leader, cluster.Leader(), "leader while a follower is down");
        cluster.Restart(down);
        cluster.AwaitConvergence();
        cluster.Equal("a=1,b=2,c=3", ScenarioHelpers.Dump(cluster[down]), "data on the restarted follower");
    }

    [Fact]
    public void Nothing_commits_without_a_majority()
    {
        var cluster = new SimulatedCluster(seed: 203, new SimulatedClusterOptions { CheckQuorum = false });
        cluster.AddNodes(5);
        var leader = cluster.AwaitLeader();
        cluster.ProposeAndCommit("before=1");
        var commit = cluster[leader].Raft.CommitIndex;
        var followers = cluster.Nodes.Keys.Where(id => id != leader).ToArray();
        foreach (var id in followers.Take(3)) cluster.Crash(id);
        cluster.Equal(ProposeResult.Accepted, cluster.Propose(leader, "lonely=1"), "proposal to a leader without majority");
        cluster.Tick(100);
        cluster.Equal(commit, cluster[leader].Raft.CommitIndex, "commit index without a majority");
        cluster.Check(!cluster[leader].Service.Data.ContainsKey("lonely"), "an entry was applied without a majority");
        // Bring one back: three of five is a majority again, and the pending entry commits.
        cluster.Restart(followers[0]);
        var ok = cluster.RunUntil(() => cluster[leader].Service.Data.ContainsKey("lonely"), 50);
        cluster.Check(ok, "the entry did not commit once a majority was back");
    }

    [Fact]
    public void Concurrent_proposals_through_leader_and_followers_all_commit_once_in_one_order()
    {
        var cluster = new SimulatedCluster(seed: 204);
        cluster.AddNodes(3);
        cluster.AwaitLeader();
        // Without delivering anything in between, every node proposes: followers forward to the leader.
        for (var i = 0; i < 30; i++)
        {
            var via = (ulong)(i % 3 + 1);
            cluster.Equal(ProposeResult.Accepted, cluster.Propose(via, $"p{i}={via}"), $"proposal {i} via {via}");
        }
        cluster.Stabilize();
        cluster.Tick(3);
        cluster.AssertConverged();
        var applied = cluster[1].Applied.Where(e => e.Data.Length > 0).Select(e => System.Text.Encoding.UTF8.GetString(e.Data)).ToList();
        cluster.Equal(30, applied.Count, "commands applied");
        cluster.Equal(30, applied.Distinct().Count(), "distinct commands applied");
        foreach (var n in cluster.Nodes.Values) cluster.Equal(30, n.Service.Data.Count, $"keys on node {n.Id}");
    }

    [Fact]
    public void A_partitioned_old_leader_rejoins_and_its_uncommitted_entries_are_replaced()
    {
        var cluster = new SimulatedCluster(seed: 205);
        cluster.AddNodes(3);
        var old = cluster.AwaitLeader();
        cluster.ProposeAndCommit("base=0");
        cluster.Isolate(old);
        for (var i = 0; i < 3; i++) cluster.Propose(old, $"lost{i}=x");
        var oldLast = cluster[old].Raft.LastIndex;
        var oldTerm = cluster[old].Raft.Term;
        var rest = cluster.Nodes.Keys.Where(id => id != old).ToArray();
        var fresh = cluster.AwaitNewLeader(rest, oldTerm);
        cluster.ProposeAndCommit("kept0=y");
        cluster.ProposeAndCommit("kept1=y");
        cluster.Heal();
        cluster.AwaitConvergence();
        var log = cluster[old].LogEntries();
        foreach (var e in log.Where(e => e.Index > oldLast - 3 && e.Index <= oldLast))
        {
            cluster.Check(e.Term > oldTerm, $"entry {e.Index} of the old leader still has its old term {e.Term}");
        }
        cluster.Check(!cluster[old].Service.Data.Keys.Any(k => k.StartsWith("lost", StringComparison.Ordinal)), "an uncommitted entry survived");
        cluster.Equal("base=0,kept0=y,kept1=y", ScenarioHelpers.Dump(cluster[old]), "data on the old leader");
        cluster.Equal(fresh, cluster.Leader(), "leader after the old one rejoined");
    }

    [Fact]
    public void Fast_backup_repairs_long_conflicting_logs_in_few_round_trips()
    {
        // MIT 6.824 TestBackup2B: two diverging runs of 50 uncommitted entries, then a majority that
        // commits 50 entries elsewhere; the lagging nodes must be repaired in a handful of probes.
        var cluster = new SimulatedCluster(seed: 206);
        cluster.AddNodes(5);
        var l1 = cluster.AwaitLeader();
        cluster.ProposeAndCommit("start=1");
        var ids = cluster.Nodes.Keys.ToArray();
        var f1 = ids.First(id => id != l1);
        var others = ids.Except([l1, f1]).ToArray();
        cluster.Partition([l1, f1], others);
        for (var i = 0; i < 50; i++) cluster.Propose(l1, $"a{i}=lost");
        var l2 = cluster.AwaitNewLeader(others, cluster[l1].Raft.Term);
        for (var i = 0; i < 50; i++) cluster.Propose(l2, $"b{i}=kept");
        cluster.Stabilize();
        var o = others.First(id => id != l2);
        var third = others.Single(id => id != l2 && id != o);
        cluster.Heal();
        cluster.Partition([l2, o], [l1, f1, third]);
        // The new leader and one follower write 50 more entries that never commit.
        for (var i = 0; i < 50; i++) cluster.Propose(l2, $"c{i}=lost");
        cluster.Stabilize();
        // The old pair and the third form a majority with the third's log (it has the b entries).
        var l3 = cluster.AwaitNewLeader([l1, f1, third], cluster[l2].Raft.Term, 200);
        for (var i = 0; i < 50; i++) cluster.Propose(l3, $"d{i}=kept");
        cluster.Stabilize();
        cluster.Heal();
        var rejections = cluster.Count(m => m.Type == MessageType.AppendResponse && m.Reject);
        var appends = cluster.Count(m => m.Type == MessageType.Append);
        cluster.AwaitConvergence();
        foreach (var n in cluster.Nodes.Values) cluster.Equal(101, n.Service.Data.Count, $"keys on node {n.Id}");
        cluster.Check(!cluster[l2].Service.Data.Keys.Any(k => k.StartsWith('c')), "uncommitted c entries survived");
        // Naive backoff needs a round trip per conflicting entry (~100 here); fast backoff a few per node.
        cluster.Check(rejections() <= 8, $"{rejections()} rejected appends during repair");
        cluster.Check(appends() <= 40, $"{appends()} appends during repair");
    }

    [Fact]
    public void One_election_and_one_agreement_take_a_bounded_number_of_messages()
    {
        var cluster = new SimulatedCluster(seed: 207);
        cluster.AddNodes(3);
        cluster.Campaign(1);
        cluster.Equal(1UL, cluster.Leader(), "leader after campaign");
        // Pre-vote round (2 requests, 2 responses), vote round (2 + 2), the no-op append (2 + 2) and the
        // append that carries the new commit index (2 + 2).
        cluster.Equal(16L, cluster.Sent(), "messages for one election");
        cluster.Equal(2L, cluster.MessagesSent[MessageType.PreVote], "pre-vote requests");
        cluster.Equal(2L, cluster.MessagesSent[MessageType.Vote], "vote requests");
        var before = cluster.Sent();
        cluster.Propose(1, "x=1");
        cluster.Stabilize();
        // One append round to replicate, one to spread the commit index.
        cluster.Equal(8L, cluster.Sent() - before, "messages for one agreement");
        foreach (var n in cluster.Nodes.Values) cluster.Equal("x=1", ScenarioHelpers.Dump(n), $"data on node {n.Id}");
    }
}
