using RaftActors.Core;
using RaftActors.Messages;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scenarios;

/// <summary>
/// Assertions for scenario tests. Every failure message starts with the cluster's seed and ends with a
/// one-line-per-node picture of the cluster, so a failing scenario is reproduced and understood from
/// its message alone.
/// </summary>
internal static class ScenarioHelpers
{
    /// <summary>Upper bound on ticks for an election: two randomized timeouts plus message slack.</summary>
    public static int ElectionBound(SimulatedCluster cluster) => cluster.Options.ElectionTick * 4;

    public static string Describe(SimulatedCluster cluster) => string.Join("; ", cluster.Nodes.Values.Select(n =>
        n.IsUp
            ? $"{n.Id}:{n.Raft.Role} t{n.Raft.Term} lead{n.Raft.Leader} c{n.Raft.CommitIndex} a{n.Raft.AppliedIndex} last{n.Raft.LastIndex} {n.Raft.ConfState}"
            : $"{n.Id}:down"));

    public static void Check(this SimulatedCluster cluster, bool condition, string what)
    {
        if (!condition) Assert.Fail($"seed {cluster.Seed}: {what} [{Describe(cluster)}]");
    }

    public static void Equal<T>(this SimulatedCluster cluster, T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            Assert.Fail($"seed {cluster.Seed}: {what}: expected {expected}, got {actual} [{Describe(cluster)}]");
        }
    }

    /// <summary>Ticks until some live node leads; fails with the seed when none does in time.</summary>
    public static ulong AwaitLeader(this SimulatedCluster cluster, int? maxTicks = null)
    {
        var ok = cluster.RunUntil(() => cluster.Leader() is not null, maxTicks ?? ElectionBound(cluster));
        cluster.Check(ok, "no leader was elected in time");
        return cluster.Leader()!.Value;
    }

    /// <summary>Ticks until a node of <paramref name="among"/> leads with a term above <paramref name="aboveTerm"/>.</summary>
    public static ulong AwaitNewLeader(this SimulatedCluster cluster, ulong[] among, ulong aboveTerm, int? maxTicks = null)
    {
        ulong? Found() => among.FirstOrDefault(id => cluster[id].IsUp && cluster[id].Raft.Role == StateRole.Leader
            && cluster[id].Raft.Term > aboveTerm) is var id && id != 0 ? id : null;
        var ok = cluster.RunUntil(() => Found() is not null, maxTicks ?? ElectionBound(cluster));
        cluster.Check(ok, $"no new leader among ({string.Join(' ', among)}) above term {aboveTerm}");
        return Found()!.Value;
    }

    /// <summary>Proposes through the current leader and waits until every live node has applied it.</summary>
    public static void ProposeAndCommit(this SimulatedCluster cluster, string command, int maxTicks = 100)
    {
        var leader = cluster.AwaitLeader();
        cluster.Equal(ProposeResult.Accepted, cluster.Propose(leader, command), $"proposal {command} at leader {leader}");
        var index = cluster[leader].Raft.LastIndex;
        var ok = cluster.RunUntil(() => Reachable(cluster, leader).All(n => n.Raft.AppliedIndex >= index), maxTicks);
        cluster.Check(ok, $"{command} (index {index}) was not applied by every member the leader can reach");
    }

    /// <summary>Live members of the leader's configuration that the network lets it talk to both ways.</summary>
    public static IEnumerable<SimulatedNode> Reachable(SimulatedCluster cluster, ulong leader)
    {
        var config = cluster[leader].Raft.ConfState;
        return cluster.Nodes.Values.Where(n => n.IsUp && (config.Voters.Contains(n.Id) || config.Learners.Contains(n.Id))
            && (n.Id == leader || (!cluster.Network.IsCut(leader, n.Id) && !cluster.Network.IsCut(n.Id, leader))));
    }

    /// <summary>Every live node applied the same history and holds the same data.</summary>
    public static void AssertConverged(this SimulatedCluster cluster)
    {
        var up = cluster.Nodes.Values.Where(n => n.IsUp).ToArray();
        var first = up[0];
        foreach (var n in up)
        {
            cluster.Equal(first.Raft.AppliedIndex, n.Raft.AppliedIndex, $"applied index of node {n.Id}");
            cluster.Equal(first.Service.HistoryHash, n.Service.HistoryHash, $"history of node {n.Id}");
            cluster.Equal(Dump(first), Dump(n), $"data of node {n.Id}");
        }
        cluster.Safety.CheckLogMatching(cluster);
    }

    /// <summary>Ticks until every live node has applied the leader's whole log.</summary>
    public static void AwaitConvergence(this SimulatedCluster cluster, int maxTicks = 500)
    {
        var ok = cluster.RunUntil(() => cluster.Leader() is { } l
            && cluster.Nodes.Values.Where(n => n.IsUp).All(n => n.Raft.AppliedIndex == cluster[l].Raft.LastIndex), maxTicks);
        cluster.Check(ok, "the cluster did not converge");
        cluster.AssertConverged();
    }

    public static string Dump(SimulatedNode node) => string.Join(",", node.Service.Data.Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>Counts messages by a predicate from now on (the returned function reads the count).</summary>
    public static Func<int> Count(this SimulatedCluster cluster, Func<RaftMessage, bool> predicate)
    {
        var count = 0;
        var previous = cluster.OnMessageSent;
        cluster.OnMessageSent = m =>
        {
            previous?.Invoke(m);
            if (predicate(m)) count++;
        };
        return () => count;
    }

    public static long Sent(this SimulatedCluster cluster) => cluster.MessagesSent.Values.Sum();
}
