using System.Collections.Concurrent;
using System.Text;
using RaftActors.Actors;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Exactly-once client sessions with real nodes over Akka.Remote (Raft thesis §6.3): every acknowledged proposal
/// is applied on every node exactly once, including requests retried after a timeout or a leader's crash, and
/// deliberate duplicates.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class ExactlyOnceScenarios
{
    private static readonly RaftErrorCode[] Retryable =
        [RaftErrorCode.Timeout, RaftErrorCode.NoLeader, RaftErrorCode.NotLeader, RaftErrorCode.LeadershipLost, RaftErrorCode.Stopped];

    [Fact]
    public async Task Every_acknowledged_proposal_is_applied_on_every_node_exactly_once_through_losses_a_partition_and_retries()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        await cluster.WaitForLeaderAsync();
        const int seed = 20240917;
        cluster.Network.StartLoss(0.05, seed, ScenarioCluster.Tick * 2);
        var acknowledged = new ConcurrentDictionary<string, string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var clients = Enumerable.Range(1, 4).Select(c => RunClientAsync(cluster, (ulong)c, requests: 12, acknowledged, stop.Token)).ToArray();
        // A client that failed ends the wait at once, with its exception, instead of at the deadline.
        Func<bool> Acknowledged(int count) => () =>
        {
            foreach (var client in clients.Where(c => c.IsFaulted)) client.GetAwaiter().GetResult();
            return acknowledged.Count >= count;
        };
        await ScenarioCluster.WaitUntilAsync(Acknowledged(8), () => "the first acknowledgements");
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.Network.IsolateAsync(leader);
        await ScenarioCluster.WaitUntilAsync(Acknowledged(24), () => $"acknowledgements while node {leader} is isolated (loss seed {seed}): {acknowledged.Count} so far; "
            + string.Join(", ", cluster.Nodes.Values.Select(n => $"{n.NodeId}:{n.Role}/{n.Leader}")), TimeSpan.FromSeconds(30));
        await cluster.Network.HealAsync();
        await Task.WhenAll(clients);
        await cluster.Network.StopLossAsync();
        await cluster.WaitForConvergenceAsync();

        Assert.Equal(48, acknowledged.Count);
        AssertAppliedOnceEverywhere(cluster, acknowledged, $" (loss seed {seed})");
        Assert.All(cluster.Services.Values, s => Assert.Equal("48", s.Get("sum")));
        // Each application added one, so each acknowledged request saw its own distinct sum.
        Assert.Equal(Enumerable.Range(1, 48).Select(i => i.ToString()).Order(), acknowledged.Values.Order());
    }

    [Fact]
    public async Task A_retried_duplicate_is_answered_with_the_first_result_and_applied_once_even_across_a_leader_crash()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var request = LedgerService.Add("sum", 5, "client-7-seq-1");
        var session = new RequestOptions { ClientId = 7, Sequence = 1 };
        var first = await cluster.Nodes[leader].ProposeAsync("ledger", request, session);
        await cluster.Nodes[leader].ProposeAsync("ledger", LedgerService.Add("sum", 1, "no-session"));

        // Concurrent duplicates, to a follower and to the leader.
        var follower = cluster.AnyFollower(leader);
        var concurrent = await Task.WhenAll(
            cluster.Nodes[follower].ProposeAsync("ledger", request, session),
            cluster.Nodes[leader].ProposeAsync("ledger", request, session));
        await cluster.CrashAsync(leader);
        var newLeader = await cluster.WaitForLeaderAsync();
        var afterCrash = await cluster.Nodes[newLeader].ProposeAsync("ledger", request, session);

        Assert.Equal("5", Encoding.UTF8.GetString(first));
        Assert.All(concurrent.Append(afterCrash), reply => Assert.Equal("5", Encoding.UTF8.GetString(reply)));
        await cluster.WaitForConvergenceAsync();
        Assert.All(cluster.Nodes.Keys, id =>
        {
            Assert.Equal(1, cluster.Services[id].TimesApplied(request));
            Assert.Equal("6", cluster.Services[id].Get("sum"));
        });
    }

    [Fact]
    public async Task Requests_in_flight_when_the_leader_crashes_are_retried_on_another_node_and_applied_exactly_once()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var old = await cluster.WaitForLeaderAsync();
        await cluster.Nodes[old].ProposeAsync("ledger", LedgerService.Add("sum", 0, "warm-up"));
        // Twenty clients, one request each, sent to the leader and not awaited: when it dies some are committed,
        // some only appended, some not even proposed, and whether any was answered is left to chance.
        var requests = Enumerable.Range(1, 20).Select(c => (Command: LedgerService.Add("sum", 1, $"client-{c}-seq-1"),
            Session: new RequestOptions { ClientId = (ulong)c, Sequence = 1, Timeout = TimeSpan.FromSeconds(2) })).ToArray();
        var firstAttempts = requests.Select(r => cluster.Nodes[old].ProposeAsync("ledger", r.Command, r.Session)).ToArray();
        await cluster.CrashAsync(old);

        var acknowledged = new ConcurrentDictionary<string, string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Task.WhenAll(requests.Select(async (r, i) =>
        {
            var retry = await ProposeUntilAnsweredAsync(cluster, (ulong)i, r.Command, r.Session, stop.Token);
            acknowledged[Encoding.UTF8.GetString(r.Command)] = Encoding.UTF8.GetString(retry);
            // A first attempt that was answered after all got the same answer as its retry.
            try
            {
                Assert.Equal(retry, await firstAttempts[i]);
            }
            catch (RaftNodeException ex) when (Retryable.Contains(ex.Code))
            {
                // Unanswered: its fate was unknown to the client, which is why it retried.
            }
            catch (ObjectDisposedException)
            {
                // The node died under it.
            }
        }));
        await cluster.StartNodeAsync(old);
        await cluster.WaitForConvergenceAsync();

        AssertAppliedOnceEverywhere(cluster, acknowledged, "");
        Assert.All(cluster.Services.Values, s => Assert.Equal("20", s.Get("sum")));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => i.ToString()).Order(), acknowledged.Values.Order());
    }

    private static void AssertAppliedOnceEverywhere(ScenarioCluster cluster, ConcurrentDictionary<string, string> acknowledged, string context)
    {
        foreach (var (id, service) in cluster.Services)
        {
            Assert.Null(service.OrderViolation);
            foreach (var command in acknowledged.Keys)
            {
                var times = service.TimesApplied(Encoding.UTF8.GetBytes(command));
                Assert.True(times == 1, $"node {id} applied '{command}' {times} times{context}");
            }
        }
    }

    /// <summary>
    /// One client: numbered requests, each retried with the same sequence number until acknowledged (against
    /// rotating nodes, with a short deadline), then sent once more as a deliberate duplicate.
    /// </summary>
    private static async Task RunClientAsync(ScenarioCluster cluster, ulong clientId, int requests,
        ConcurrentDictionary<string, string> acknowledged, CancellationToken cancellationToken)
    {
        var attempt = clientId;
        for (ulong sequence = 1; sequence <= (ulong)requests; sequence++)
        {
            var tag = $"client-{clientId}-seq-{sequence}";
            var request = LedgerService.Add("sum", 1, tag);
            var options = new RequestOptions { ClientId = clientId, Sequence = sequence, Timeout = TimeSpan.FromMilliseconds(700) };
            var reply = await ProposeUntilAnsweredAsync(cluster, attempt++, request, options, cancellationToken);
            acknowledged[Encoding.UTF8.GetString(request)] = Encoding.UTF8.GetString(reply);
            var duplicate = await ProposeUntilAnsweredAsync(cluster, attempt++, request, options, cancellationToken);
            Assert.Equal(reply, duplicate);
        }
    }

    /// <summary>Tries the running nodes in turn, from the <paramref name="first"/>-th, until one answers: the one tried may be cut off or dead.</summary>
    private static async Task<byte[]> ProposeUntilAnsweredAsync(ScenarioCluster cluster, ulong first, byte[] request, RequestOptions options,
        CancellationToken cancellationToken)
    {
        for (var attempt = first; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RaftNode node;
            lock (cluster.Nodes)
            {
                var running = cluster.Nodes.Keys.Order().ToArray();
                node = cluster.Nodes[running[attempt % (ulong)running.Length]];
            }
            try
            {
                return await node.ProposeAsync("ledger", request, options, cancellationToken);
            }
            catch (RaftNodeException ex) when (Retryable.Contains(ex.Code))
            {
                // Retried with the same sequence number: the session makes the retry safe.
            }
        }
    }
}
