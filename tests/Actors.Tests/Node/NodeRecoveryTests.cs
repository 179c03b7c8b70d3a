using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using RaftActors.Actors;
using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Node;

/// <summary>Crashes, restarts and leader loss over real TCP with SQLite journals.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeRecoveryTests(ITestOutputHelper output)
{
    // 20 ms ticks, 10 ticks per election timeout (randomized up to twice that): ten election timeouts leave
    // room for a split vote on a loaded machine.
    private static readonly TimeSpan NewLeaderWithin = TimeSpan.FromMilliseconds(20 * 10 * 10);

    [Fact]
    public async Task A_crashed_follower_restarts_from_its_journal_and_catches_up_losing_no_acknowledged_write()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var victim = cluster.Nodes.Keys.First(id => id != leader);
        var acknowledged = new ConcurrentDictionary<string, string>();

        await cluster.WriteAsync("before-", 300, acknowledged);
        // Crash while writes are in flight: what the cluster acknowledged must survive whatever the victim lost.
        var during = cluster.WriteAsync("during-", 300, acknowledged, via: leader);
        await NodeCluster.WaitUntilAsync(() => acknowledged.Count >= 400, "some writes of the second batch are acknowledged");
        await cluster.CrashNodeAsync(victim);
        await during;
        await cluster.WriteAsync("while-down-", 300, acknowledged, via: leader);

        var restarted = await cluster.RestartNodeAsync(victim);
        // Recovery replays the journal: what the victim had committed before the crash is back before any catch-up.
        Assert.True(cluster.Services[victim].Count >= 300, $"node {victim} recovered {cluster.Services[victim].Count} keys from its journal");
        await cluster.WriteAsync("after-", 100, acknowledged);

        Assert.Equal(1000, acknowledged.Count);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        // Whoever leads now (on a loaded machine leadership may have moved since the crash): the restarted node follows it.
        var current = await cluster.WaitForLeaderAsync();
        var status = await restarted.GetStatusAsync();
        Assert.Equal(current, status.Leader);
        foreach (var (id, service) in cluster.Services) Assert.Equal(1000, service.Count);
    }

    [Fact]
    public async Task A_leader_stopped_gracefully_is_replaced_at_once_and_writes_go_on()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 100, acknowledged);

        var clock = Stopwatch.StartNew();
        await cluster.StopNodeAsync(leader);
        var successor = await cluster.WaitForLeaderAsync(NewLeaderWithin);
        clock.Stop();
        output.WriteLine($"node {successor} leads {clock.Elapsed.TotalMilliseconds:F0} ms after node {leader} began to stop");
        Assert.NotEqual(leader, successor);
        Assert.Contains(cluster.Logs[leader].Lines, l => l.EventId == 2000 && l.Message.EndsWith($"node {successor} before stopping", StringComparison.Ordinal));
        // The stopping leader handed over: no node had to wait out an election timeout and campaign on its own.
        Assert.True(clock.Elapsed < NewLeaderWithin, $"new leader after {clock.Elapsed}");

        var follower = cluster.Nodes.Keys.First(id => id != successor);
        var reply = await cluster.Nodes[follower].ProposeAsync("kv", NodeCluster.Set("before-0", "changed"));
        Assert.Equal("v0", Encoding.UTF8.GetString(reply));
        acknowledged["before-0"] = "changed";
        await cluster.WriteAsync("after-", 100, acknowledged);

        await cluster.RestartNodeAsync(leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);
    }

    [Fact]
    public async Task A_crashed_leader_is_replaced_within_a_few_election_timeouts_and_catches_up_after_restart()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 200, acknowledged);

        var clock = Stopwatch.StartNew();
        await cluster.CrashNodeAsync(leader);
        var successor = await cluster.WaitForLeaderAsync(NewLeaderWithin);
        var elapsed = clock.Elapsed;
        output.WriteLine($"node {successor} leads {elapsed.TotalMilliseconds:F0} ms after node {leader} crashed");
        Assert.NotEqual(leader, successor);
        Assert.True(elapsed < NewLeaderWithin, $"new leader after {elapsed}");

        // Writes go on with one node down, through the new leader and through its follower.
        await cluster.WriteAsync("after-", 200, acknowledged);
        var follower = cluster.Nodes.Keys.First(id => id != successor);
        await cluster.WriteAsync("via-follower-", 50, acknowledged, via: follower);
        await cluster.WaitForAllToHoldAsync(acknowledged);

        await cluster.RestartNodeAsync(leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        Assert.Equal(450, acknowledged.Count);
        Assert.Equal(450, cluster.Services[leader].Count);
        var newLeader = await cluster.WaitForLeaderAsync();
        Assert.Contains(newLeader, cluster.Nodes.Keys);
    }
}

[CollectionDefinition(Name)]
public sealed class NodeClusterCollection
{
    /// <summary>Clusters of real nodes run one at a time: on 2 cores, parallel clusters would starve each other's timers.</summary>
    public const string Name = "node clusters over TCP";
}
