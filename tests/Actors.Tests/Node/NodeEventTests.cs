using System.Collections.Concurrent;
using RaftActors.Actors;
using RaftActors.Core;

namespace RaftActors.Actors.Tests.Node;

/// <summary>Event handlers given in the options see what happens while the node starts.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeEventTests
{
    [Fact]
    public async Task Handlers_given_at_start_see_a_standalone_node_elect_itself()
    {
        await using var cluster = new NodeCluster();
        var seen = new ConcurrentQueue<RaftEvent>();
        // A standalone node is its only voter: it becomes leader during StartAsync, before a handler added to
        // EventRaised afterwards could be attached.
        var node = await cluster.StartNodeAsync(1, [1], adjust: o => o with { Events = (_, e) => seen.Enqueue(e) });
        await NodeCluster.WaitUntilAsync(() => node.IsLeader, "the standalone node leads");
        await NodeCluster.WaitUntilAsync(() => seen.OfType<RoleChanged>().Any(r => r.Role == StateRole.Leader)
            && seen.OfType<LeaderChanged>().Any(l => l.Leader == 1), "the handler given at start saw the node become leader");
    }
}
