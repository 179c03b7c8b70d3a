using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.Logging;
using RaftActors.Actors.Remote;
using RaftActors.Persistence.Plugin;

namespace RaftActors.Actors;

/// <summary>
/// The entry point for running Raft nodes inside an ActorSystem of the caller's (Akka's extension pattern):
/// <c>var node = await RaftExtension.Get(system).StartNodeAsync(options, services);</c>. The system must have
/// remoting (<c>akka.actor.provider = remote</c> or <c>cluster</c>); the node's peer address is the system's
/// own. The extension adds RaftActors' defaults (serializer bindings, the SQLite journal plugin) under the
/// system's configuration, so a user's own settings win, and stops its nodes when the system shuts down.
/// </summary>
public sealed class RaftExtension : IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly ConcurrentDictionary<ulong, RaftNode> _nodes = new();

    public RaftExtension(ExtendedActorSystem system)
    {
        _system = system ?? throw new ArgumentNullException(nameof(system));
        system.Settings.InjectTopLevelFallback(DefaultConfiguration());
        RegisterSerializer(system);

        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "stop-raft-nodes", async () =>
        {
            foreach (var node in _nodes.Values) await node.StopAsync().ConfigureAwait(false);
            return Akka.Done.Instance;
        });
    }

    public static RaftExtension Get(ActorSystem system) => system.WithExtension<RaftExtension, RaftExtensionProvider>();

    /// <summary>RaftActors' defaults: the serializer and its bindings, and the SQLite journal and snapshot-store plugins.</summary>
    public static Config DefaultConfiguration() => RaftSerialization.Configuration.WithFallback(RaftSqlitePersistence.DefaultConfiguration());

    /// <summary>The nodes started in this system, by node id.</summary>
    public IReadOnlyDictionary<ulong, RaftNode> Nodes => _nodes;

    /// <summary>
    /// Starts a node under <c>/user/raft-{NodeId}</c> and returns once it serves. <see cref="RaftNodeOptions.ListenAddress"/>
    /// is not used: peers reach the node at the system's remoting address (or <see cref="RaftNodeOptions.AdvertisedAddress"/>).
    /// Without a <see cref="RaftNodeOptions.JournalPluginId"/>, the node journals to the project's SQLite plugin in
    /// <see cref="RaftNodeOptions.DataDirectory"/> (never to the system's default journal, which may be in memory).
    /// </summary>
    public async Task<RaftNode> StartNodeAsync(RaftNodeOptions options, IEnumerable<IService> services, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        if (_nodes.ContainsKey(options.NodeId)) throw new InvalidOperationException($"node {options.NodeId} runs in this ActorSystem already");
        var node = await RaftNode.StartInAsync(_system, options, [.. services], loggerFactory, ownsSystem: false, cancellationToken)
            .ConfigureAwait(false);
        _nodes[options.NodeId] = node;
        _ = node.Completion.ContinueWith(_ => _nodes.TryRemove(options.NodeId, out var _), TaskScheduler.Default);
        return node;
    }

    /// <summary>
    /// The serializer must be bound before the first frame or event: a system created without RaftActors'
    /// configuration gets it bound here (Akka's programmatic registration), never the JSON fallback.
    /// </summary>
    private static void RegisterSerializer(ExtendedActorSystem system)
    {
        var serialization = system.Serialization;
        if (serialization.FindSerializerForType(typeof(PeerFrame)) is RaftSerializer) return;
        var serializer = new RaftSerializer(system);
        serialization.AddSerializer("raftactors", serializer);
        foreach (var type in RaftSerializer.BoundTypes) serialization.AddSerializationMap(type, serializer);
    }
}

/// <summary>Creates the <see cref="RaftExtension"/> of a system (Akka's extension id).</summary>
public sealed class RaftExtensionProvider : ExtensionIdProvider<RaftExtension>
{
    public override RaftExtension CreateExtension(ExtendedActorSystem system) => new(system);
}
