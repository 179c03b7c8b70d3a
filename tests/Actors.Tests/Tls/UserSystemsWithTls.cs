using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting.Logging;
using Akka.Remote.Transport.DotNetty;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Tls;

/// <summary>
/// Nodes started the embedding way, in ActorSystems of the "user's" with a <see cref="DotNettySslSetup"/> (the only
/// way Akka 1.5.74 takes a custom certificate validator; <see cref="RaftNode.StartAsync"/> creates its system from
/// HOCON alone). Each node joins the given <see cref="NodeCluster"/>'s bookkeeping (nodes, services, logs, events), so
/// its waits and writes work on them; the systems are terminated on dispose.
/// </summary>
internal sealed class UserSystemsWithTls : IAsyncDisposable
{
    private readonly List<ActorSystem> _systems = [];

    public async Task<RaftNode> StartNodeAsync(NodeCluster cluster, ulong id, IReadOnlyCollection<ulong> founders, DotNettySslSetup ssl, bool join = false)
    {
        // Every founder needs its port before this node's peer addresses can be written down.
        foreach (var founder in founders) cluster.OptionsFor(founder, [founder]);
        var options = cluster.OptionsFor(id, founders, join);
        var port = int.Parse(options.ListenAddress!.Split(':')[1]);
        var logs = new CapturingLoggerFactory();
        var setup = BootstrapSetup.Create().WithConfig(UserConfig(port)).And(ssl).And(new LoggerFactorySetup(logs));
        var system = ActorSystem.Create(options.SystemName, setup);
        _systems.Add(system);
        var service = new KeyValueTestService();
        var node = await RaftExtension.Get(system).StartNodeAsync(options, [service], logs);
        var events = cluster.Events.GetOrAdd(id, _ => new());
        node.EventRaised += (_, e) => events.Enqueue(e);
        cluster.Nodes[id] = node;
        cluster.Services[id] = service;
        cluster.Logs[id] = logs;
        return node;
    }

    /// <summary>A user's own configuration: remoting on 127.0.0.1 with TLS on; the certificate and its validation come from the setup.</summary>
    private static Config UserConfig(int port) => TlsHocon.EnabledOnly().WithFallback(ConfigurationFactory.ParseString($$"""
        akka {
          loglevel = WARNING
          loggers = ["Akka.Hosting.Logging.LoggerFactoryLogger, Akka.Hosting"]
          actor.provider = remote
          remote {
            retry-gate-closed-for = 1s
            dot-netty.tcp { hostname = 127.0.0.1, port = {{port}} }
          }
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        """));

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_systems.Select(s => s.Terminate()));
        _systems.Clear();
    }
}
