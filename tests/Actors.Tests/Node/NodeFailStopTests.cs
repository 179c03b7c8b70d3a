using System.Collections.Concurrent;
using Akka.Configuration;
using Akka.Persistence.TestKit;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Node;

/// <summary>A node whose journal fails stops itself (fail-stop) and acknowledges nothing more; the others go on.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeFailStopTests
{
    private const string FailingJournal = "akka.persistence.journal.failing";

    // Akka.Persistence.TestKit's journal: in memory, with writes that can be made to fail on demand.
    private static readonly Config FailingJournalConfig = ConfigurationFactory.ParseString($$"""
        {{FailingJournal}} {
          class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """);

    private static NodeCluster FailingCluster() =>
        new() { Customize = (_, o) => NodeCluster.With(o, journalPluginId: FailingJournal, systemConfig: FailingJournalConfig) };

    private static Task FailWritesAsync(RaftNode node) =>
        TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(node.ActorSystem).JournalFor(FailingJournal)).OnWrite.Fail();

    [Fact]
    public async Task A_leader_whose_journal_writes_fail_stops_itself_fails_the_pending_proposal_and_the_rest_of_the_cluster_goes_on()
    {
        await using var cluster = FailingCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 100, acknowledged);
        var failing = cluster.Nodes[leader];
        var failingService = cluster.Services[leader];

        await FailWritesAsync(failing);
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
    public async Task A_node_whose_journal_rejects_a_write_stops_itself_instead_of_going_on_as_akka_would_by_default()
    {
        await using var cluster = FailingCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 20, acknowledged);
        var node = cluster.Nodes[leader];

        await TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(node.ActorSystem).JournalFor(FailingJournal)).OnWrite.Reject();
        var doomed = node.ProposeAsync("kv", NodeCluster.Set("rejected", "never-acknowledged"));

        Assert.Equal(RaftErrorCode.Stopped, (await Assert.ThrowsAsync<RaftNodeException>(() => doomed.WaitAsync(TimeSpan.FromSeconds(15)))).Code);
        var stopped = await Assert.ThrowsAsync<RaftNodeException>(() => node.Completion.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("refused", stopped.Message, StringComparison.Ordinal);
        Assert.Null(cluster.Services[leader].Get("rejected"));
        cluster.Nodes.Remove(leader);
        await cluster.WriteAsync("after-", 20, acknowledged);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task A_follower_whose_journal_writes_fail_stops_itself_and_the_leader_keeps_committing_with_the_other()
    {
        await using var cluster = FailingCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var victim = cluster.Nodes.Keys.First(id => id != leader);
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 50, acknowledged);

        await FailWritesAsync(cluster.Nodes[victim]);
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
