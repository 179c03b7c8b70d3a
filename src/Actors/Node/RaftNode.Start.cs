using System.Buffers.Binary;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RaftActors.Actors.Runtime;
using RaftActors.Actors.Transport;
using RaftActors.Persistence;

namespace RaftActors.Actors;

public sealed partial class RaftNode
{
    private const string IncarnationMetaKey = "incarnation";

    /// <summary>
    /// Opens (or creates) the node's journal, starts its actors and its peer listener, and returns once the
    /// node is serving. A fresh journal is bootstrapped: with the founding <see cref="RaftNodeOptions.Peers"/>
    /// as a new cluster, alone as a standalone one-voter cluster, or not at all when <see cref="RaftNodeOptions.Join"/>.
    /// Await <see cref="WhenRecovered"/> to know the services caught up with what was committed before.
    /// </summary>
    public static async Task<RaftNode> StartAsync(RaftNodeOptions options, IEnumerable<IService> services,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        options.Validate();
        var serviceList = services.ToArray();
        var serviceOptions = new ServiceActorOptions
        {
            SnapshotEvery = options.SnapshotEvery, StagingDirectory = Path.Combine(options.DataDirectory, "snapshots-outgoing"),
        };
        ServiceActor.Validate(serviceList, serviceOptions);
        loggerFactory ??= NullLoggerFactory.Instance;
        var log = loggerFactory.CreateLogger("RaftActors.Node");

        Directory.CreateDirectory(options.DataDirectory);
        Directory.CreateDirectory(serviceOptions.StagingDirectory);
        var journal = options.JournalFactory?.Invoke(options) ?? SqliteJournal.Open(Path.Combine(options.DataDirectory, "journal.db"));
        var parts = new StartedParts(journal);
        try
        {
            return await StartCoreAsync(options, serviceList, serviceOptions, loggerFactory, log, parts, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await parts.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<RaftNode> StartCoreAsync(RaftNodeOptions options, IService[] services, ServiceActorOptions serviceOptions,
        ILoggerFactory loggerFactory, ILogger log, StartedParts parts, CancellationToken cancellationToken)
    {
        var journal = parts.Journal;
        var incarnation = NextIncarnation(journal);
        var registry = new RequestRegistry(incarnation);
        var state = new NodeState();
        var events = new EventDispatcher(log);
        parts.Events = events;
        state.Events = events.Post;
        var system = new ActorSystem($"node-{options.NodeId}", options.TimeProvider);
        parts.System = system;
        var raftRef = new DeferredActorRef("raft");
        RaftNode? node = null;
        Forwarder? forwarder = null;

        Func<ulong, ReadOnlyMemory<byte>, ValueTask> onForward = (from, payload) => OnForwardAsync(node, forwarder, from, payload);
        var context = new NodeNetworkContext(options, raftRef, system, journal, onForward, loggerFactory);
        var network = options.NetworkFactory?.Invoke(context) ?? CreateTcpTransport(context);
        parts.Network = network;
        await network.StartAsync(cancellationToken).ConfigureAwait(false);
        forwarder = new Forwarder(network.SendForward);
        var advertised = options.AdvertisedAddress ?? FormatAddress(options.ListenAddress, network.BoundPort);

        var storage = new JournalStorage(journal);
        if (IsFresh(journal) && !options.Join)
        {
            var founders = options.Peers.Select(p => (p.Key, p.Value)).Append((options.NodeId, advertised)).ToArray();
            storage.Bootstrap(founders);
        }

        var serviceState = new ServiceActorState();
        var serviceActor = system.ActorOf(ServiceActor.CreateProps(options.NodeId, services, registry, raftRef, journal, serviceOptions,
            journal.State.HardState.Commit, serviceState, loggerFactory.CreateLogger("RaftActors.Service")), "service");
        var settings = new RaftActorSettings(options, storage, registry, state, network, serviceActor,
            loggerFactory.CreateLogger("RaftActors.Raft"));
        var raftActor = system.ActorOf(Props.Create(() => new RaftActor(settings)), "raft");
        raftRef.Target = raftActor;

        var completion = WatchAsync(system, raftActor, serviceActor, state, registry, forwarder, log, options.NodeId);
        var runtime = new NodeRuntime(state, registry, raftActor, serviceActor, forwarder, events, serviceState, completion,
            advertised, parts.DisposeAsync);
        node = new RaftNode(options, services.ToDictionary(s => s.Namespace, StringComparer.Ordinal), runtime, log);
        events.Source = node;
        NodeLog.Started(log, options.NodeId, advertised);
        return node;
    }

    /// <summary>Completes when either actor stops; faults with the cause when one stopped itself.</summary>
    private static async Task WatchAsync(ActorSystem system, IActorRef raft, IActorRef service, NodeState state,
        RequestRegistry registry, Forwarder forwarder, ILogger log, ulong nodeId)
    {
        var first = await Task.WhenAny(system.WhenStopped(raft), system.WhenStopped(service)).ConfigureAwait(false);
        var stopped = new RaftNodeException(RaftErrorCode.Stopped, $"node {nodeId} has stopped");
        registry.FailAll(stopped);
        forwarder.FailAll(stopped);
        if (first.Exception?.GetBaseException() is { } cause)
        {
            NodeLog.FailStopped(log, nodeId, cause.Message);
            state.Raise(new NodeFailed(nodeId, cause.Message));
            await system.Terminate().ConfigureAwait(false);
            throw new RaftNodeException(RaftErrorCode.Stopped, $"node {nodeId} stopped itself: {cause.Message}", cause);
        }
    }

    private static async ValueTask OnForwardAsync(RaftNode? node, Forwarder? forwarder, ulong from, ReadOnlyMemory<byte> payload)
    {
        if (node is null || forwarder is null) return;
        object message;
        try
        {
            message = Forwarder.Decode(payload);
        }
        catch (Messages.CodecException ex)
        {
            NodeLog.BadForward(node._log, node.NodeId, from, ex.Message);
            return;
        }
        if (message is ForwardResponse response)
        {
            forwarder.OnResponse(response);
            return;
        }
        // Answer on another task: the transport's receive loop must not wait for a commit.
        var request = (ForwardRequest)message;
        _ = Task.Run(async () =>
        {
            var answer = await node.ExecuteForwardedAsync(request).ConfigureAwait(false);
            node._runtime.Forwarder.Reply(from, answer);
        });
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static bool IsFresh(IJournal journal) =>
        journal.LastIndex == 0 && journal.State.HardState.IsEmpty && journal.State.Snapshot.Index == 0;

    /// <summary>Bumps and persists the start counter that makes request ids unique across restarts.</summary>
    private static ulong NextIncarnation(IJournal journal)
    {
        var stored = journal.GetMeta(IncarnationMetaKey);
        var next = (stored is { Length: 8 } ? BinaryPrimitives.ReadUInt64LittleEndian(stored) : 0) + 1;
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, next);
        journal.SetMeta(IncarnationMetaKey, bytes);
        return next & 0xFFFFFF;
    }

    private static NodeTransport CreateTcpTransport(NodeNetworkContext context)
    {
        var options = context.Options;
        var transportOptions = new TransportOptions
        {
            ClusterId = options.ClusterId, NodeId = options.NodeId, Secret = Encoding.UTF8.GetBytes(options.Secret),
            MaxFrameSize = (int)Math.Max(16UL * 1024 * 1024, options.MaxSizePerMessage * 2 + 4096),
        };
        return new NodeTransport(transportOptions, Runtime.PeerAddress.ParseListen(options.ListenAddress), context.RaftActor,
            options.DataDirectory, context.System, context.Journal, context.OnForward,
            new TransportLogAdapter(context.LoggerFactory.CreateLogger("RaftActors.Transport")), options.TimeProvider);
    }

    private static string FormatAddress(string configured, int port)
    {
        var host = configured.Contains("://", StringComparison.Ordinal) ? new Uri(configured).Host : configured[..configured.LastIndexOf(':')];
        host = host.Trim('[', ']');
        return host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
    }
}
