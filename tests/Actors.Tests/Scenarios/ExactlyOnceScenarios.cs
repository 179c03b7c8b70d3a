using System.Collections.Concurrent;
using System.Text;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Exactly-once client sessions with real nodes (Raft thesis §6.3): every acknowledged proposal is applied
/// on every node exactly once, including requests retried after a timeout and deliberate duplicates.
/// </summary>
public sealed class ExactlyOnceScenarios
{
    [Fact]
    public async Task Every_acknowledged_proposal_is_applied_on_every_node_exactly_once_through_losses_a_partition_and_retries()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        await cluster.WaitForLeaderAsync();
        const int seed = 20240917;
        cluster.Network.SetDropRate(0.05, seed);
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
        cluster.Network.Isolate(leader);
        await ScenarioCluster.WaitUntilAsync(Acknowledged(24), () => $"acknowledgements while node {leader} is isolated (seed {seed}): {acknowledged.Count} so far; "
            + string.Join(", ", cluster.Nodes.Values.Select(n => $"{n.NodeId}:{n.Role}/{n.Leader}")));
        cluster.Network.Heal();
        await Task.WhenAll(clients);
        cluster.Network.SetDropRate(0, seed);
        await cluster.WaitForConvergenceAsync();

        Assert.Equal(48, acknowledged.Count);
        foreach (var (id, service) in cluster.Services)
        {
            Assert.Null(service.OrderViolation);
            Assert.Equal("48", service.Get("sum"));
            foreach (var command in acknowledged.Keys)
            {
                Assert.True(service.TimesApplied(Encoding.UTF8.GetBytes(command)) == 1, $"node {id} applied '{command}' {service.TimesApplied(Encoding.UTF8.GetBytes(command))} times (seed {seed})");
            }
        }
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

    /// <summary>
    /// One client: numbered requests, each retried with the same sequence number until acknowledged (against
    /// rotating nodes, with a short deadline), then sent once more as a deliberate duplicate.
    /// </summary>
    private static async Task RunClientAsync(ScenarioCluster cluster, ulong clientId, int requests,
        ConcurrentDictionary<string, string> acknowledged, CancellationToken cancellationToken)
    {
        var ids = cluster.Nodes.Keys.Order().ToArray();
        var attempt = (int)clientId;
        for (ulong sequence = 1; sequence <= (ulong)requests; sequence++)
        {
            var tag = $"client-{clientId}-seq-{sequence}";
            var request = LedgerService.Add("sum", 1, tag);
            var options = new RequestOptions { ClientId = clientId, Sequence = sequence, Timeout = TimeSpan.FromMilliseconds(700) };
            var reply = await ProposeUntilAnsweredAsync(cluster, ids[attempt++ % ids.Length], request, options, cancellationToken);
            acknowledged[Encoding.UTF8.GetString(request)] = Encoding.UTF8.GetString(reply);
            var duplicate = await ProposeUntilAnsweredAsync(cluster, ids[attempt++ % ids.Length], request, options, cancellationToken);
            Assert.Equal(reply, duplicate);
        }
    }

    private static async Task<byte[]> ProposeUntilAnsweredAsync(ScenarioCluster cluster, ulong first, byte[] request, RequestOptions options,
        CancellationToken cancellationToken)
    {
        var ids = cluster.Nodes.Keys.Order().ToArray();
        for (var attempt = Array.IndexOf(ids, first); ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                // Against rotating nodes: the one tried may be cut off.
                return await cluster.Nodes[ids[attempt % ids.Length]].ProposeAsync("ledger", request, options, cancellationToken);
            }
            catch (RaftNodeException ex) when (ex.Code is RaftErrorCode.Timeout or RaftErrorCode.NoLeader or RaftErrorCode.NotLeader
                or RaftErrorCode.LeadershipLost)
            {
                // Retried with the same sequence number: the session makes the retry safe.
            }
        }
    }
}
