using System.Collections.Concurrent;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using RaftActors.Actors.Runtime.Journal;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// What a proposal costs each node's journal: one write for the entries. A Ready in which only the commit index moved
/// is not written on its own (a second fsync per proposal on every node); it goes to disk with the next write.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeJournalWriteTests
{
    private const string CountingJournal = "akka.persistence.journal.counting";

    private static readonly Config CountingJournalConfig = ConfigurationFactory.ParseString($$"""
        {{CountingJournal}} {
          class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """);

    /// <summary>Counts the RaftActor's writes that carry a hard state and nothing else.</summary>
    private sealed class HardStateOnlyCounter : IJournalInterceptor
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task InterceptAsync(IPersistentRepresentation message)
        {
            if (message.Payload is ReadyPersisted { Entries.Count: 0, Snapshot: null, HardState: not null }) Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Sequential_proposals_write_no_journal_event_that_only_moves_the_commit_index()
    {
        await using var cluster = new NodeCluster
        {
            Customize = (_, o) => NodeCluster.With(o, journalPluginId: CountingJournal, systemConfig: CountingJournalConfig),
        };
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("warm-", 5, acknowledged, parallelism: 1, via: leader);

        var counters = new Dictionary<ulong, HardStateOnlyCounter>();
        foreach (var (id, node) in cluster.Nodes)
        {
            counters[id] = new HardStateOnlyCounter();
            var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(node.ActorSystem).JournalFor(CountingJournal));
            await journal.OnWrite.SetInterceptorAsync(counters[id]);
        }
        const int proposals = 40;
        await cluster.WriteAsync("w-", proposals, acknowledged, parallelism: 1, via: leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);

        // Each proposal moves every node's commit index once; an election (a term or a vote to write) is the only
        // reason left for a write without entries, and a loaded machine may see one or two.
        foreach (var (id, counter) in counters)
        {
            Assert.True(counter.Count <= 6, $"node {id} wrote {counter.Count} hard-state-only events for {proposals} sequential proposals");
        }
    }

    [Fact]
    public async Task A_journal_write_pending_for_two_election_timeouts_is_reported_once_and_again_when_it_completes()
    {
        await using var cluster = new NodeCluster
        {
            Customize = (_, o) => NodeCluster.With(o, journalPluginId: CountingJournal, systemConfig: CountingJournalConfig),
        };
        await cluster.StartAsync(1);
        await cluster.WaitForLeaderAsync();
        var node = cluster.Nodes[1];
        var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(node.ActorSystem).JournalFor(CountingJournal));
        // Two election timeouts are 1 s at the cluster's 50 ms tick; this write takes 2.5 s.
        await journal.OnWrite.PassWithDelay(TimeSpan.FromMilliseconds(2500));

        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("slow-", 1, acknowledged, parallelism: 1);
        await journal.OnWrite.Pass();

        var logs = cluster.Logs[1];
        var stalled = logs.Lines.Where(l => l.EventId == 1011).ToArray();
        var line = Assert.Single(stalled);
        Assert.Contains("a journal write has been pending for", line.Message, StringComparison.Ordinal);
        await NodeCluster.WaitUntilAsync(() => logs.Contains(1012), "the stalled write's completion to be reported");
    }
}
