using RaftActors.Host.Tests.Support;
using Xunit.Abstractions;

namespace RaftActors.Host.Tests;

/// <summary>
/// Three real host processes founding a cluster on 127.0.0.1: writes through a follower, linearizable reads
/// everywhere, kill -9 of the leader, re-election, restart and convergence with no acknowledged write lost.
/// </summary>
public sealed class ClusterProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Cluster_survives_kill_of_the_leader_and_loses_no_acknowledged_write()
    {
        await using var cluster = new TestCluster();
        try
        {
            await cluster.FoundAsync(3, "process-cluster");
            var leader = await TestCluster.WaitLeaderAsync(cluster.Nodes);
            var follower = cluster.Nodes.First(n => n.Name != $"node{leader}");

            var acknowledged = new Dictionary<string, string>();
            for (var i = 0; i < 10; i++) await WriteAsync(follower, $"k{i}", $"v{i}", acknowledged);

            // Linearizable reads from every node see every acknowledged write, with the leader's stamp identical everywhere.
            foreach (var node in cluster.Nodes)
            {
                foreach (var (key, value) in acknowledged) Assert.Equal(value, await node.Api.ValueAsync(key));
            }
            var stamps = new HashSet<long>();
            foreach (var node in cluster.Nodes) stamps.Add((await node.Api.GetAsync("k0")).Data!.Value.GetProperty("stamp").GetInt64());
            Assert.Single(stamps);

            var killed = cluster.Nodes.Single(n => n.Name == $"node{leader}");
            killed.Process.Kill();
            var survivors = cluster.Nodes.Where(n => n != killed).ToList();
            var newLeader = await TestCluster.WaitLeaderAsync(survivors, notThis: leader);
            output.WriteLine($"leader {leader} killed; node {newLeader} leads now");
            for (var i = 10; i < 20; i++) await WriteAsync(survivors[i % 2], $"k{i}", $"v{i}", acknowledged);

            killed.Process.Restart(TestCluster.Secret);
            await cluster.WaitHealthyAsync(killed);
            foreach (var node in cluster.Nodes)
            {
                await Poll.UntilAsync(async () =>
                {
                    foreach (var (key, value) in acknowledged)
                    {
                        if (await node.Api.ValueAsync(key, "stale") != value) return false;
                    }
                    return true;
                }, TestCluster.Deadline, $"{node.Name} to hold every acknowledged write");
                foreach (var (key, value) in acknowledged) Assert.Equal(value, await node.Api.ValueAsync(key));
            }

            // A graceful stop (SIGTERM) of the current leader hands leadership over and exits cleanly.
            var current = await TestCluster.WaitLeaderAsync(cluster.Nodes);
            var stopping = cluster.Nodes.Single(n => n.Name == $"node{current}");
            stopping.Process.Signal("TERM");
            Assert.Equal(0, await stopping.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            var after = await TestCluster.WaitLeaderAsync(cluster.Nodes.Where(n => n != stopping).ToList(), notThis: current);
            Assert.NotEqual(current, after);
            await WriteAsync(cluster.Nodes.First(n => n != stopping), "after-stop", "ok", acknowledged);
        }
        catch
        {
            output.WriteLine(cluster.Dump());
            throw;
        }
    }

    private static async Task WriteAsync(TestNode node, string key, string value, Dictionary<string, string> acknowledged)
    {
        var reply = await Poll.UntilAsync(async () =>
        {
            var attempt = await node.Api.SetAsync(key, value);
            return attempt.Ok ? attempt : null;
        }, TestCluster.Deadline, $"the write of {key} through {node.Name}");
        Assert.Equal(value, reply.Data!.Value.GetProperty("value").GetString());
        acknowledged[key] = value;
        Assert.True(reply.Data!.Value.GetProperty("index").GetUInt64() > 0, reply.ToString());
    }
}
