using RaftActors.Core;
using RaftActors.Messages;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scenarios;

public sealed class QuickChaosProbe
{
    [Fact]
    public void Random_faults_break_no_safety_property()
    {
        for (var seed = 1; seed <= 300; seed++)
        {
            var random = new Random(seed);
            var cluster = new SimulatedCluster(seed, new SimulatedClusterOptions { SnapshotEvery = 20, KeepEntriesAfterSnapshot = 5 });
            cluster.AddNodes(5);
            cluster.Network.MaxDelayTicks = 2;
            cluster.Network.DropRate = 0.05;
            cluster.Network.DuplicateRate = 0.02;
            var n = 0;
            try
            {
                for (var step = 0; step < 400; step++)
                {
                    var id = (ulong)random.Next(1, 6);
                    switch (random.Next(20))
                    {
                        case 0: if (cluster[id].IsUp && cluster.Nodes.Values.Count(x => !x.IsUp) < 2) cluster.Crash(id); break;
                        case 1: if (!cluster[id].IsUp) cluster.Restart(id); break;
                        case 2: cluster.Isolate(id); break;
                        case 3: cluster.Heal(); break;
                        default:
                            if (cluster[id].IsUp) cluster.Propose(id, $"k{n % 7}={n++}");
                            break;
                    }
                    cluster.Tick();
                    cluster.Safety.CheckLogMatching(cluster);
                }
                cluster.Heal();
                foreach (var node in cluster.Nodes.Values) if (!node.IsUp) cluster.Restart(node.Id);
                Assert.True(cluster.RunUntil(() => cluster.Leader() is { } l && cluster.Nodes.Values.All(x => x.Raft.AppliedIndex == cluster[l].Raft.LastIndex), 2000), $"seed {seed}: did not converge: leader {cluster.Leader()} " + string.Join("; ", cluster.Nodes.Values.Select(x => $"{x.Id} {x.Raft.Role} t{x.Raft.Term} c{x.Raft.CommitIndex} a{x.Raft.AppliedIndex} l{x.Raft.LastIndex} first{x.Storage.FirstIndex()} {(cluster.Leader() is { } l2 ? cluster[l2].Raft.ProgressOf(x.Id) : null)}")));
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"seed {seed}: {ex}");
            }
        }
    }
}
