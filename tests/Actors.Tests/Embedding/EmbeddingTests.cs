using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Embedding;

/// <summary>Raft nodes inside ActorSystems that belong to the user: started through the extension and through Akka.Hosting.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class EmbeddingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "raftactors-embed-" + Guid.NewGuid().ToString("N"));

    // A user's own configuration: remoting and nothing of RaftActors (the extension adds its serializer and journal).
    private static Config UserConfig(int port) => ConfigurationFactory.ParseString($"""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp {"{"} hostname = 127.0.0.1, port = {port} {"}"}
        akka.loglevel = ERROR
        """);

    private RaftNodeOptions Options(ulong id, IReadOnlyDictionary<ulong, string> peers) => new()
    {
        NodeId = id, DataDirectory = Path.Combine(_root, $"node-{id}"), ClusterId = "embedded", Secret = NodeCluster.Secret,
        TickInterval = TimeSpan.FromMilliseconds(20), Peers = peers,
    };

    [Fact]
    public async Task Three_nodes_in_three_user_actor_systems_form_a_cluster_replicate_and_read_linearizably()
    {
        var ports = new[] { NodeCluster.FreePort(), NodeCluster.FreePort(), NodeCluster.FreePort() };
        var systems = ports.Select((p, i) => ActorSystem.Create("app", UserConfig(p))).ToArray();
        try
        {
            var address = new Dictionary<ulong, string> { [1] = $"127.0.0.1:{ports[0]}", [2] = $"127.0.0.1:{ports[1]}", [3] = $"127.0.0.1:{ports[2]}" };
            var services = new[] { new KeyValueTestService(), new KeyValueTestService(), new KeyValueTestService() };
            var nodes = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            {
                var id = (ulong)i + 1;
                return RaftExtension.Get(systems[i]).StartNodeAsync(Options(id, address.Where(a => a.Key != id).ToDictionary()), [services[i]]);
            }));
            Assert.All(nodes, n => Assert.Equal(address[n.NodeId], n.PeerAddress));
            Assert.Same(nodes[1], RaftExtension.Get(systems[1]).Nodes[2]);

            // Through a follower and through the leader alike.
            for (var i = 0; i < 20; i++) await nodes[i % 3].ProposeAsync("kv", NodeCluster.Set($"k{i}", $"v{i}"));
            foreach (var node in nodes)
            {
                var value = await node.QueryAsync("kv", Encoding.UTF8.GetBytes("k19"));
                Assert.Equal("v19", Encoding.UTF8.GetString(value));
            }
            await NodeCluster.WaitUntilAsync(() => services.All(s => s.Get("k0") == "v0"), "every node applied the writes");
            // The journal of each node is the SQLite plugin in its own data folder.
            Assert.All(nodes, n => Assert.True(File.Exists(Path.Combine(_root, $"node-{n.NodeId}", "journal.db"))));
        }
        finally
        {
            await Task.WhenAll(systems.Select(s => s.Terminate()));
        }
    }

    [Fact]
    public async Task A_node_restarted_in_a_new_user_actor_system_on_the_same_folder_finds_its_data()
    {
        var port = NodeCluster.FreePort();
        var empty = new Dictionary<ulong, string>();
        var first = ActorSystem.Create("app", UserConfig(port));
        var node = await RaftExtension.Get(first).StartNodeAsync(Options(1, empty), [new KeyValueTestService()]);
        await node.ProposeAsync("kv", NodeCluster.Set("kept", "yes"));
        await first.Terminate();

        var second = ActorSystem.Create("app", UserConfig(port));
        try
        {
            var service = new KeyValueTestService();
            var again = await RaftExtension.Get(second).StartNodeAsync(Options(1, empty), [service]);
            await again.WhenRecovered.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("yes", service.Get("kept"));
        }
        finally
        {
            await second.Terminate();
        }
    }

    [Fact]
    public async Task An_akka_hosting_application_gets_a_working_raft_client_from_dependency_injection()
    {
        var port = NodeCluster.FreePort();
        var service = new KeyValueTestService();
        using var host = new HostBuilder().ConfigureServices(services =>
        {
            services.AddAkka("app", (builder, _) => builder
                .AddHocon(UserConfig(port), HoconAddMode.Prepend)
                .WithRaft(Options(1, new Dictionary<ulong, string>()), _ => [service]));
            services.AddRaftClient();
        }).Build();
        await host.StartAsync();
        try
        {
            var client = host.Services.GetRequiredService<IRaftClient>();
            await client.ProposeAsync("kv", NodeCluster.Set("hosted", "works"));
            Assert.Equal("works", Encoding.UTF8.GetString(await client.QueryAsync("kv", Encoding.UTF8.GetBytes("hosted"))));
            Assert.Equal("works", Encoding.UTF8.GetString(await client.QueryAsync("kv", Encoding.UTF8.GetBytes("hosted"), ReadConsistency.Stale)));
            var root = await host.Services.GetRequiredService<IRequiredActor<RaftNodeActor>>().GetAsync();
            Assert.Equal("raft-1", root.Path.Name);
        }
        finally
        {
            await host.StopAsync();
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
