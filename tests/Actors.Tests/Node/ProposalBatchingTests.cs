using System.Text;
using RaftActors.Core;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// Proposals that reach the leader together enter the core as one batch (one append per follower for all of them),
/// and each is still applied once, in the order its writer sent it, with its own result.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class ProposalBatchingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_proposals_share_batches_and_each_applies_once_in_its_writers_order(bool throughFollower)
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var writer = throughFollower ? cluster.Nodes.Keys.First(id => id != leader) : leader;
        var node = cluster.Nodes[writer];

        const int writers = 64;
        const int writesEach = 20;
        var appliedBefore = cluster.Services.ToDictionary(s => s.Key, s => s.Value.Applied);
        var batchesBefore = cluster.Nodes[leader].ProposalBatches;
        using var start = new ManualResetEventSlim();
        async Task Writer(int worker)
        {
            start.Wait();
            var key = $"w{worker}";
            for (var i = 1; i <= writesEach; i++)
            {
                // The service answers with the value it replaced: the writer's previous one, applied exactly before.
                var previous = await node.ProposeAsync("kv", NodeCluster.Set(key, $"v{i}"));
                Assert.Equal(i == 1 ? "" : $"v{i - 1}", Encoding.UTF8.GetString(previous));
            }
        }
        var workers = Enumerable.Range(0, writers).Select(w => Task.Run(() => Writer(w))).ToArray();
        start.Set();
        await Task.WhenAll(workers);

        var proposals = writers * writesEach;
        var batches = cluster.Nodes[leader].ProposalBatches - batchesBefore;
        Assert.True(cluster.Nodes[leader].IsLeader, "the test needs one leader throughout; an election moved it");
        // One batch per proposal would be 1,280; concurrent writers share them.
        Assert.True(batches < proposals / 2, $"{proposals} proposals entered the core in {batches} batches");
        var expected = Enumerable.Range(0, writers).ToDictionary(w => $"w{w}", _ => $"v{writesEach}");
        await cluster.WaitForAllToHoldAsync(expected);
        await NodeCluster.WaitUntilAsync(() => cluster.Services.All(s => s.Value.Applied - appliedBefore[s.Key] >= proposals),
            "every node applied every proposal");
        // Exactly once on every node: no proposal of a batch applied twice.
        Assert.All(cluster.Services, s => Assert.Equal(proposals, s.Value.Applied - appliedBefore[s.Key]));
    }

    [Fact]
    public async Task A_batch_over_the_uncommitted_limit_still_admits_the_proposals_that_fit_and_refuses_the_rest_as_overloaded()
    {
        await using var cluster = new NodeCluster();
        // Room for a few 1 KiB commands at a time: 64 at once exceed it as a batch.
        cluster.Customize = (_, o) => o with { MaxUncommittedBytes = 4 * 1024 };
        await cluster.StartAsync(1, 2, 3);
        var leader = cluster.Nodes[await cluster.WaitForLeaderAsync()];
        var value = new string('x', 1024);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            try
            {
                await leader.ProposeAsync("kv", NodeCluster.Set($"big{i}", value));
                return "ok";
            }
            catch (RaftNodeException ex)
            {
                return ex.Code.ToString();
            }
        })));

        Assert.Contains("ok", outcomes);
        Assert.All(outcomes, o => Assert.True(o is "ok" or nameof(RaftErrorCode.Overloaded), $"unexpected outcome {o}"));
        var acknowledged = Enumerable.Range(0, 64).Where(i => outcomes[i] == "ok").ToDictionary(i => $"big{i}", _ => value);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        // Nothing refused was applied.
        Assert.All(cluster.Services.Values, s => Assert.Equal(acknowledged.Count, s.Dump().Count(p => p.Key.StartsWith("big", StringComparison.Ordinal))));
    }
}
