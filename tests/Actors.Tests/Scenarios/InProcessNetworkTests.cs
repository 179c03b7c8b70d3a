using System.Collections.Concurrent;
using RaftActors.Actors;
using RaftActors.TestKit.Network;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>The in-process network itself: what a cut link tells the sender, and the options it starts nodes with.</summary>
public sealed class InProcessNetworkTests
{
    [Fact]
    public async Task A_cut_link_reports_the_peer_unreachable_once_and_reachable_again_after_heal()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var peer = cluster.AnyFollower(leader);
        var events = new ConcurrentQueue<PeerReachabilityEvent>();
        cluster.Nodes[leader].EventRaised += (_, e) =>
        {
            if (e is PeerReachabilityEvent reach && reach.Peer == peer) events.Enqueue(reach);
        };

        cluster.Network.Cut(leader, peer);
        Assert.False(cluster.Network.CanDeliver(leader, peer));
        await ScenarioCluster.WaitUntilAsync(() => !events.IsEmpty, () => "an unreachable report");
        // Heartbeats keep going to the cut peer for ten more ticks: none of them may be reported again.
        var dropped = cluster.Network.Dropped;
        await ScenarioCluster.WaitUntilAsync(() => cluster.Network.Dropped >= dropped + 10, () => "more dropped heartbeats");
        Assert.Equal([false], events.Select(e => e.Reachable));

        cluster.Network.Heal();
        await ScenarioCluster.WaitUntilAsync(() => events.Count == 2, () => "a reachable report");
        Assert.Equal([false, true], events.Select(e => e.Reachable));
        Assert.True(cluster.Network.CanDeliver(leader, peer));
    }

    [Fact]
    public async Task A_stopped_node_leaves_the_network_and_a_restarted_one_joins_it_again()
    {
        await using var cluster = await ScenarioCluster.StartAsync(3);
        await cluster.WaitForLeaderAsync();
        Assert.Equal([1UL, 2UL, 3UL], cluster.Network.Nodes.Order());

        await cluster.CrashAsync(2);
        Assert.Equal([1UL, 3UL], cluster.Network.Nodes.Order());
        Assert.False(cluster.Network.CanDeliver(1, 2));

        await cluster.StartNodeAsync(2);
        Assert.Equal([1UL, 2UL, 3UL], cluster.Network.Nodes.Order());
        await cluster.WaitForConvergenceAsync();
    }

    [Fact]
    public void Configure_keeps_every_option_and_defaults_the_advertised_address()
    {
        var options = new RaftNodeOptions
        {
            NodeId = 4, ListenAddress = "ignored:1", DataDirectory = "data", ClusterId = "c", Secret = "0123456789abcdefgh",
            TickInterval = TimeSpan.FromMilliseconds(15), ElectionTicks = 7, SnapshotEvery = 3, KeepEntriesAfterSnapshot = 2, Join = true,
        };

        var configured = new InProcessNetwork().Configure(options);

        Assert.Equal(InProcessNetwork.AddressOf(4), configured.AdvertisedAddress);
        Assert.NotNull(configured.NetworkFactory);
        Assert.Null(options.NetworkFactory);
        foreach (var property in typeof(RaftNodeOptions).GetProperties())
        {
            if (property.Name is nameof(RaftNodeOptions.AdvertisedAddress)) continue;
            Assert.Equal(property.GetValue(options), property.GetValue(configured));
        }
    }
}
