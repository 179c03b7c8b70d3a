using RaftActors.Core;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scenarios;

/// <summary>
/// Crashes, restarts and unreliable networks (Raft §5.4, Figure 8; MIT 6.824 2C). The cluster's
/// <see cref="SafetyChecker"/> throws the moment a committed entry changes, so "the committed history
/// never changes" is checked on every Ready of every node, not just at the end.
/// </summary>
public sealed class FaultScenarios
{
    [Fact]
    public void Committed_data_survives_a_crash_of_every_node()
    {
        var cluster = new SimulatedCluster(seed: 301);
        cluster.AddNodes(3);
        for (var i = 0; i < 5; i++) cluster.ProposeAndCommit($"k{i}=v{i}");
        var commits = cluster.Nodes.Values.ToDictionary(n => n.Id, n => n.Raft.CommitIndex);
        var terms = cluster.Nodes.Values.ToDictionary(n => n.Id, n => n.Raft.Term);
        foreach (var id in cluster.Nodes.Keys) cluster.Crash(id);
        foreach (var id in cluster.Nodes.Keys) cluster.Restart(id);
        foreach (var n in cluster.Nodes.Values)
        {
            // The hard state came back from storage: term, vote and commit are what was persisted.
            cluster.Equal(terms[n.Id], n.Raft.Term, $"term of node {n.Id} after restart");
            cluster.Equal(commits[n.Id], n.Raft.CommitIndex, $"commit of node {n.Id} after restart");
            cluster.Equal(StateRole.Follower, n.Raft.Role, $"role of node {n.Id} after restart");
        }
        cluster.ProposeAndCommit("after=crash");
        foreach (var n in cluster.Nodes.Values)
        {
            cluster.Equal("after=crash,k0=v0,k1=v1,k2=v2,k3=v3,k4=v4", ScenarioHelpers.Dump(n), $"data on node {n.Id}");
        }
        cluster.AssertConverged();
    }

    [Fact]
    public void Committed_history_never_changes_in_figure_8_on_a_reliable_network()
    {
        RunFigure8(seed: 302, unreliable: false);
    }

    [Fact]
    public void Committed_history_never_changes_in_figure_8_on_an_unreliable_network()
    {
        RunFigure8(seed: 303, unreliable: true);
    }

    /// <summary>
    /// MIT 6.824 TestFigure8(Unreliable)2C: propose at whoever leads, run a random while, often crash the
    /// leader, keep at least three of five up; at the end everyone agrees on one more entry.
    /// </summary>
    private static void RunFigure8(int seed, bool unreliable)
    {
        var cluster = new SimulatedCluster(seed, new SimulatedClusterOptions { SnapshotEvery = unreliable ? 0UL : 25, KeepEntriesAfterSnapshot = 5 });
        cluster.AddNodes(5);
        var random = new Random(seed);
        if (unreliable)
        {
            cluster.Network.DropRate = 0.1;
            cluster.Network.MaxDelayTicks = 3;
            cluster.Network.DuplicateRate = 0.05;
        }
        var proposed = 0;
        for (var iter = 0; iter < 400; iter++)
        {
            foreach (var n in cluster.Nodes.Values.Where(n => n.IsUp && n.Raft.Role == StateRole.Leader))
            {
                cluster.Propose(n.Id, $"f{proposed % 10}={proposed}");
                proposed++;
            }
            cluster.Tick(random.Next(100) < 10 ? random.Next(1, 30) : random.Next(1, 4));
            if (cluster.Leader() is { } leader && random.Next(100) < 50) cluster.Crash(leader);
            var up = cluster.Nodes.Values.Count(n => n.IsUp);
            if (up < 3)
            {
                var down = cluster.Nodes.Values.Where(n => !n.IsUp).ToArray();
                cluster.Restart(down[random.Next(down.Length)].Id);
            }
        }
        cluster.Network.DropRate = 0;
        cluster.Network.DuplicateRate = 0;
        foreach (var n in cluster.Nodes.Values.Where(n => !n.IsUp).ToArray()) cluster.Restart(n.Id);
        cluster.ProposeAndCommit("final=1", 300);
        cluster.AwaitConvergence();
        cluster.Check(cluster.Safety.LeadersElected >= 20, $"only {cluster.Safety.LeadersElected} leaders: the scenario did not churn");
        cluster.Check(cluster[1].Service.CommandsApplied >= 20, $"only {cluster[1].Service.CommandsApplied} commands committed");
    }

    [Fact]
    public void Continuous_proposals_under_unreliable_churn_converge_to_one_history()
    {
        const int seed = 304;
        var cluster = new SimulatedCluster(seed, new SimulatedClusterOptions { SnapshotEvery = 30, KeepEntriesAfterSnapshot = 10 });
        cluster.AddNodes(5);
        cluster.Network.DropRate = 0.05;
        cluster.Network.MaxDelayTicks = 2;
        cluster.Network.DuplicateRate = 0.05;
        var random = new Random(seed);
        var accepted = new List<string>();
        for (var step = 0; step < 600; step++)
        {
            var id = (ulong)random.Next(1, 6);
            if (cluster[id].IsUp)
            {
                var command = $"c{step % 13}={step}";
                if (cluster.Propose(id, command) == ProposeResult.Accepted) accepted.Add(command);
            }
            switch (random.Next(60))
            {
                case 0 when cluster.Nodes.Values.Count(n => !n.IsUp) < 2 && cluster[id].IsUp: cluster.Crash(id); break;
                case 1 when !cluster[id].IsUp: cluster.Restart(id); break;
                case 2: cluster.Isolate(id); break;
                case 3: cluster.Partition([1, 2], [3, 4, 5]); break;
                case 4 or 5: cluster.Heal(); break;
            }
            cluster.Tick();
        }
        cluster.Heal();
        cluster.Network.DropRate = 0;
        foreach (var n in cluster.Nodes.Values.Where(n => !n.IsUp).ToArray()) cluster.Restart(n.Id);
        cluster.ProposeAndCommit("end=1", 300);
        cluster.AwaitConvergence();
        var applied = cluster[1].Service.CommandsApplied;
        cluster.Check(applied >= 100, $"only {applied} of {accepted.Count} accepted commands committed");
    }
}
