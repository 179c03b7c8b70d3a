using System.Collections.Concurrent;
using RaftActors.Actors;
using RaftActors.Persistence;

namespace RaftActors.Actors.Tests.Node;

/// <summary>A node whose journal fails stops itself (fail-stop) and acknowledges nothing more; the others go on.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeFailStopTests
{
    [Fact]
    public async Task A_leader_whose_journal_writes_fail_stops_itself_fails_the_pending_proposal_and_the_rest_of_the_cluster_goes_on()
    {
        var stores = new Dictionary<ulong, InMemoryJournalStore> { [1] = new("node-1"), [2] = new("node-2"), [3] = new("node-3") };
        await using var cluster = new NodeCluster { Customize = (id, o) => NodeCluster.With(o, journal: _ => new InMemoryJournal(stores[id])) };
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 100, acknowledged);
        var failing = cluster.Nodes[leader];
        var failingService = cluster.Services[leader];

        stores[leader].FailWrites = true;
        var doomed = failing.ProposeAsync("kv", NodeCluster.Set("doomed", "never-acknowledged"));

        var error = await Assert.ThrowsAsync<RaftNodeException>(() => doomed.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal(RaftErrorCode.Stopped, error.Code);
        var stopped = await Assert.ThrowsAsync<RaftNodeException>(() => failing.Completion.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("journal", stopped.Message, StringComparison.OrdinalIgnoreCase);
        await NodeCluster.WaitUntilAsync(() => cluster.Events[leader].Any(e => e is NodeFailed), "the node raised NodeFailed");
        // It applied nothing it could not persist, and it refuses further requests.
        Assert.Null(failingService.Get("doomed"));
        await Assert.ThrowsAnyAsync<Exception>(() => failing.ProposeAsync("kv", NodeCluster.Set("after-failure", "x")));
        cluster.Nodes.Remove(leader);

        var successor = await cluster.WaitForLeaderAsync();
        Assert.NotEqual(leader, successor);
        await cluster.WriteAsync("after-", 100, acknowledged);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        Assert.Equal(200, acknowledged.Count);
        await failing.DisposeAsync();
    }

    [Fact]
    public async Task A_follower_whose_journal_writes_fail_stops_itself_and_the_leader_keeps_committing_with_the_other()
    {
        var stores = new Dictionary<ulong, InMemoryJournalStore> { [1] = new("node-1"), [2] = new("node-2"), [3] = new("node-3") };
        await using var cluster = new NodeCluster { Customize = (id, o) => NodeCluster.With(o, journal: _ => new InMemoryJournal(stores[id])) };
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var victim = cluster.Nodes.Keys.First(id => id != leader);
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 50, acknowledged);

        stores[victim].FailWrites = true;
        // A proposal sent to the failing follower: forwarded, it may well commit on the others, but this node
        // cannot apply it any more; what it answers must not be a success it could not back.
        var pending = cluster.Nodes[victim].ProposeAsync("kv", NodeCluster.Set("pending", "x"));
        await cluster.WriteAsync("during-", 50, acknowledged, via: leader);
        await Assert.ThrowsAsync<RaftNodeException>(() => cluster.Nodes[victim].Completion.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains(cluster.Events[victim], e => e is NodeFailed);
        var outcome = await Record.ExceptionAsync(() => pending.WaitAsync(TimeSpan.FromSeconds(15)));
        if (outcome is null) Assert.Equal("x", cluster.Services[leader].Get("pending")); // answered by the leader after it applied
        cluster.Nodes.Remove(victim);

        await cluster.WriteAsync("after-", 50, acknowledged, via: leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        Assert.Equal(leader, await cluster.WaitForLeaderAsync());
    }
}
