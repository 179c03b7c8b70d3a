using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RaftActors.Actors;

/// <summary>The registry key of a Raft node's root actor in Akka.Hosting (<c>IRequiredActor&lt;RaftNodeActor&gt;</c>).</summary>
public sealed class RaftNodeActor
{
    private RaftNodeActor()
    {
    }
}

/// <summary>
/// Akka.Hosting support, in the shape of Akka's own plugins:
/// <code>
/// services.AddAkka("raft", (builder, sp) => builder
///     .WithRemoting("127.0.0.1", 7001)
///     .WithRaft(new RaftNodeOptions { NodeId = 1, ... }, resolver => [new MyService()]));
/// services.AddRaftClient();   // IRaftClient in DI
/// </code>
/// </summary>
public static class RaftHostingExtensions
{
    /// <summary>
    /// Starts a Raft node when the ActorSystem starts: adds RaftActors' defaults (serializer, journal plugin) to
    /// the configuration, starts the node through <see cref="RaftExtension"/> with the services
    /// <paramref name="services"/> builds, and registers its root actor as <see cref="RaftNodeActor"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithRaft(this AkkaConfigurationBuilder builder, RaftNodeOptions options,
        Func<IDependencyResolver, IEnumerable<IService>> services)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        builder.AddHocon(RaftExtension.DefaultConfiguration(), HoconAddMode.Append);
        return builder.WithActors(async (system, registry, resolver) =>
        {
            var loggerFactory = resolver.GetService<ILoggerFactory>();
            var node = await RaftExtension.Get(system).StartNodeAsync(options, services(resolver), loggerFactory).ConfigureAwait(false);
            registry.Register<RaftNodeActor>(node.RootActor);
        });
    }

    /// <summary>
    /// Registers <see cref="IRaftClient"/>: the node the ActorSystem in DI runs (the only one, or
    /// <paramref name="nodeId"/>). Its calls wait until the node has started.
    /// </summary>
    public static IServiceCollection AddRaftClient(this IServiceCollection services, ulong? nodeId = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddSingleton<IRaftClient>(sp => new HostedRaftClient(sp.GetRequiredService<ActorSystem>(), nodeId));
    }
}
