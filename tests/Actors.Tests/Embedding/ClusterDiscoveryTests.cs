using System.Text;
using Akka.Actor;
using Akka.Configuration;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Embedding;

/// <summary>Optional peer discovery from Akka.Cluster: addresses follow the cluster, voters follow only the Raft log.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class ClusterDiscoveryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "raftactors-discovery-" + Guid.NewGuid().ToString("N"));

    private static ActorSystem ClusterSystem(ulong id, int port, int seedPort) => ActorSystem.Create("raft", ConfigurationFactory.ParseString($$"""
        akka.loglevel = ERROR
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
        akka.cluster {
          seed-nodes = ["akka.tcp://raft@127.0.0.1:{{seedPort}}"]
          roles = ["raft", "raft-node-{{id}}"]
          min-nr-of-members = 1
        }
        """));

    private RaftNodeOptions Options(ulong id, Dictionary<ulong, string> peers) => new()
    {
        NodeId = id, DataDirectory = Path.Combine(_root, $"node-{id}"), ClusterId = "discovery", Secret = NodeCluster.Secret,
        TickInterval = TimeSpan.FromMilliseconds(20), DiscoveryRole = "raft",
        Peers = peers.Where(p => p.Key != id).ToDictionary(),
    };

    [Fact]
    public async Task A_node_back_at_a_new_port_is_found_through_the_cluster_and_catches_up_while_the_voters_stay_the_same()
    {
        var ports = new Dictionary<ulong, int> { [1] = NodeCluster.FreePort(), [2] = NodeCluster.FreePort(), [3] = NodeCluster.FreePort() };
        var addresses = ports.ToDictionary(p => p.Key, p => $"127.0.0.1:{p.Value}");
        var systems = ports.ToDictionary(p => p.Key, p => ClusterSystem(p.Key, p.Value, ports[1]));
        try
        {
            var services = ports.Keys.ToDictionary(id => id, _ => new KeyValueTestService());
            var nodes = (await Task.WhenAll(ports.Keys.Select(id =>
                RaftExtension.Get(systems[id]).StartNodeAsync(Options(id, addresses), [services[id]])))).ToDictionary(n => n.NodeId);
            var writer = nodes[1];
            await writer.ProposeAsync("kv", NodeCluster.Set("before", "1"));
            var voters = (await writer.GetStatusAsync()).Members.Where(m => m.IsVoter).Select(m => m.NodeId).Order().ToArray();

            // Node 3 leaves (gracefully: it also leaves the Akka cluster) and comes back on another port. The
            // membership still records its old address; only the cluster knows the new one.
            await nodes[3].StopAsync();
            // Leave the Akka cluster and wait until the others removed the old incarnation: until then the cluster
            // cannot converge, so the new one cannot be Up (under CI load that wait once took over a minute).
            var oldAddress = Akka.Cluster.Cluster.Get(systems[3]).SelfAddress;
            await CoordinatedShutdown.Get(systems[3]).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            await NodeCluster.WaitUntilAsync(() => Akka.Cluster.Cluster.Get(systems[1]).State.Members.All(m => !m.Address.Equals(oldAddress)),
                "the old node 3 to be removed from the Akka cluster", TimeSpan.FromSeconds(60));
            var newPort = NodeCluster.FreePort();
            systems[3] = ClusterSystem(3, newPort, ports[1]);
            services[3] = new KeyValueTestService();
            nodes[3] = await RaftExtension.Get(systems[3]).StartNodeAsync(Options(3, addresses), [services[3]]);
            Assert.Equal($"127.0.0.1:{newPort}", nodes[3].PeerAddress);

            await nodes[1].ProposeAsync("kv", NodeCluster.Set("after", "2"));
            // Up to 60 s: the leader learns the new port from Akka.Cluster's gossip, and on a CI machine running every
            // test assembly at once that once took longer than the default 20 s. A timeout says what node 3 knew.
            try
            {
                await NodeCluster.WaitUntilAsync(() => services[3].Get("after") == "2", "node 3, back at its new port, applied a write made after",
                    TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException ex)
            {
                var seen = await nodes[3].GetStatusAsync();
                var leaderView = await nodes[1].GetStatusAsync();
                throw new TimeoutException($"{ex.Message}; node 3: leader {seen.Leader}, term {seen.Term}, commit {seen.CommitIndex}, applied {seen.AppliedIndex}; " +
                    $"node 1 sees {string.Join(", ", leaderView.Members.Select(m => $"{m.NodeId}@{m.Address} match {m.MatchIndex} reachable {m.Reachable}"))}", ex);
            }
            Assert.Equal("1", services[3].Get("before"));
            var status = await nodes[1].GetStatusAsync();
            Assert.Equal(voters, status.Members.Where(m => m.IsVoter).Select(m => m.NodeId).Order().ToArray());
            Assert.Equal("2", Encoding.UTF8.GetString(await nodes[3].QueryAsync("kv", Encoding.UTF8.GetBytes("after"))));
        }
        finally
        {
            await Task.WhenAll(systems.Values.Select(s => s.Terminate()));
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
