using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;

namespace RaftActors.Actors;

public sealed partial class RaftNode
{
    /// <summary>
    /// Starts a node in an ActorSystem of its own (remoting on <see cref="RaftNodeOptions.ListenAddress"/>, the
    /// journal in <see cref="RaftNodeOptions.DataDirectory"/>) and returns once it serves. A fresh journal is
    /// bootstrapped: with the founding <see cref="RaftNodeOptions.Peers"/> as a new cluster, alone as a standalone
    /// one-voter cluster, or not at all when <see cref="RaftNodeOptions.Join"/>. To run a node inside an
    /// ActorSystem of yours, use <see cref="RaftExtension"/>. Await <see cref="WhenRecovered"/> to know the
    /// services caught up with what was committed before.
    /// </summary>
    public static async Task<RaftNode> StartAsync(RaftNodeOptions options, IEnumerable<IService> services,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        options.Validate();
        if (string.IsNullOrWhiteSpace(options.ListenAddress))
        {
            throw new ArgumentException("ListenAddress is required (host:port) for a node in an ActorSystem of its own", nameof(options));
        }
        var serviceList = services.ToArray();
        Directory.CreateDirectory(options.DataDirectory);
        // Akka's own log goes to the caller's logger factory (Akka.Hosting's LoggerFactoryLogger), not to stdout.
        var setup = BootstrapSetup.Create().WithConfig(NodeSystemConfig.Build(options, loggerFactory is not null))
            .And(new Akka.Hosting.Logging.LoggerFactorySetup(loggerFactory ?? NullLoggerFactory.Instance));
        var system = CreateSystem(options, setup);
        try
        {
            return await StartInAsync(system, options, serviceList, loggerFactory, ownsSystem: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await system.Terminate().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The node's own ActorSystem. A listen address that cannot be bound (taken by another process, not an address of
    /// this machine) fails the start with one line that names it: Akka reports it five aggregate exceptions deep.
    /// </summary>
    private static ActorSystem CreateSystem(RaftNodeOptions options, Akka.Actor.Setup.ActorSystemSetup setup)
    {
        try
        {
            return ActorSystem.Create(options.SystemName, setup);
        }
        catch (Exception ex) when (SocketErrorOf(ex) is { } socket)
        {
            throw new IOException($"cannot listen for peers at {options.ListenAddress}: {socket.Message}", ex);
        }
    }

    private static SocketException? SocketErrorOf(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException socket) return socket;
        }
        return null;
    }

    /// <summary>Starts a node's actors under <c>/user/raft-{id}</c> of <paramref name="system"/> and waits until it serves.</summary>
    internal static async Task<RaftNode> StartInAsync(ActorSystem system, RaftNodeOptions options, IReadOnlyList<IService> services,
        ILoggerFactory? loggerFactory, bool ownsSystem, CancellationToken cancellationToken)
    {
        options.Validate();
        // Binds the serializer if the system's configuration does not (a user's own system).
        RaftExtension.Get(system);
        // One append message must fit one frame too: the core's per-message budget follows the frame limit.
        options = LimitMessageSize(system, options);
        var node = CreateNodeSettings(system, options);
        var serviceOptions = new ServiceActorOptions { SnapshotEvery = options.SnapshotEvery, StagingDirectory = node.OutgoingFolder };
        ServiceActor.Validate(services, serviceOptions);
        loggerFactory ??= NullLoggerFactory.Instance;
        var log = loggerFactory.CreateLogger("RaftActors.Node");
        Directory.CreateDirectory(options.DataDirectory);
        Directory.CreateDirectory(serviceOptions.StagingDirectory);

        var registry = new RequestRegistry();
        var state = new NodeState();
        var events = new EventDispatcher(log) { Handlers = options.Events };
        var identities = node.PeerIdentities;
        state.Events = e =>
        {
            ForgetIdentityOfLeavingMember(identities, e);
            events.Post(e);
        };
        var serviceState = new ServiceActorState();
        RaftNode? raftNode = null;
        Forwarder? forwarder = null;
        Func<ulong, ReadOnlyMemory<byte>, ValueTask> onForward = (from, payload) => OnForwardAsync(raftNode, forwarder, from, payload);
        var guardianSettings = new NodeGuardianSettings(options, node, services, serviceOptions, registry, state, serviceState, onForward, loggerFactory);
        var guardian = system.ActorOf(NodeGuardian.CreateProps(guardianSettings), PeerPaths.GuardianName(options.NodeId));
        try
        {
            var refs = new TaskCompletionSource<(IActorRef Raft, IActorRef Service)>(TaskCreationOptions.RunContinuationsAsynchronously);
            guardian.Tell(new RaftRefRequest(refs));
            var (raftActor, serviceActor) = await refs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            forwarder = new Forwarder((to, kind, body) =>
            {
                raftActor.Tell(new OutboundForward(to, kind, body));
                return true;
            });
            await node.Started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

            var completion = WatchAsync(system, ownsSystem, node, state, registry, forwarder, log, options.NodeId);
            var runtime = new NodeRuntime(state, registry, guardian, raftActor, serviceActor, forwarder, events, serviceState, completion,
                node.AdvertisedAddress, () => ShutdownAsync(system, guardian, node, events, ownsSystem));
            raftNode = new RaftNode(options, services.ToDictionary(s => s.Namespace, StringComparer.Ordinal), runtime, log, node);
            events.Source = raftNode;
            NodeLog.Started(log, options.NodeId, node.AdvertisedAddress);
            return raftNode;
        }
        catch (Exception ex)
        {
            await ShutdownAsync(system, guardian, node, events, ownsSystem: false).ConfigureAwait(false);
            if (node.Failure is { } failure && ex is not OperationCanceledException)
            {
                throw new RaftNodeException(RaftErrorCode.Stopped, $"node {options.NodeId} could not start: {failure.Message}", failure);
            }
            throw;
        }
    }

    /// <summary>
    /// An Akka.Remote frame above <c>maximum-frame-size</c> is dropped with only a log line, so a proposal, an append or
    /// a snapshot chunk that could not fit would stop replication silently. The limits follow the system's frame size:
    /// a proposal larger than a frame can carry is refused at propose time (<see cref="RaftErrorCode.BadRequest"/>).
    /// </summary>
    private static RaftNodeOptions LimitMessageSize(ActorSystem system, RaftNodeOptions options)
    {
        var room = Math.Max(1024, FrameSize(system) - Configuration.RaftSettings.PeerFrameEnvelopeBytes);
        return options with
        {
            MaxSizePerMessage = Math.Min(options.MaxSizePerMessage, (ulong)room),
            MaxProposalBytes = Math.Min(options.MaxProposalBytes, room - 1024),
            SnapshotChunkBytes = (int)Math.Min(options.SnapshotChunkBytes, room),
        };
    }

    /// <summary>Akka.Remote's frame limit in this system (Akka's default when it is not set).</summary>
    private static long FrameSize(ActorSystem system) =>
        system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", null) ?? 128_000;

    private static NodeSettings CreateNodeSettings(ActorSystem system, RaftNodeOptions options)
    {
        var (journal, snapshots) = NodeJournal.Resolve(system, options);
        var frameSize = FrameSize(system);
        var data = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(data);
        return new NodeSettings
        {
            System = system,
            PersistenceId = $"raft-{options.ClusterId}-{options.NodeId}",
            JournalPluginId = journal,
            SnapshotPluginId = snapshots,
            AdvertisedAddress = options.AdvertisedAddress ?? PeerPaths.LocalHostPort(system),
            DataDirectory = data,
            Authenticator = new PeerAuthenticator(options.ClusterId, Encoding.UTF8.GetBytes(options.Secret), options.NodeId,
                dataIdentity: DataIdentity.LoadOrCreate(data)),
            PeerIdentities = PeerIdentityBook.Open(data),
            // Room for the envelope (ids, sequence, MAC) and Akka.Remote's own framing: the same margin the limits keep.
            MaxFrameBodyBytes = (int)Math.Min(int.MaxValue, frameSize - Configuration.RaftSettings.PeerFrameEnvelopeBytes),
            SnapshotChunkBytes = options.SnapshotChunkBytes,
            SnapshotChunksInFlight = options.SnapshotChunksInFlight,
        };
    }

    /// <summary>
    /// A removed member may be added again under its id with an empty data folder (the way back for a node that lost
    /// its data): its old identity no longer speaks for it. A removal this node only learns from a snapshot is not
    /// seen here; the RaftActor forgets those identities when it installs the snapshot.
    /// </summary>
    private static void ForgetIdentityOfLeavingMember(PeerIdentityBook identities, RaftEvent e)
    {
        if (e is MemberRemoved removed && removed.Member != removed.NodeId) identities.Forget(removed.Member);
    }

    /// <summary>Completes when the node's actors stop; faults with the cause when the node stopped itself.</summary>
    private static async Task WatchAsync(ActorSystem system, bool ownsSystem, NodeSettings node, NodeState state, RequestRegistry registry,
        Forwarder forwarder, ILogger log, ulong nodeId)
    {
        await node.Stopped.Task.ConfigureAwait(false);
        var stopped = new RaftNodeException(RaftErrorCode.Stopped, $"node {nodeId} has stopped");
        registry.FailAll(stopped);
        forwarder.FailAll(stopped);
        if (node.Failure is { } cause)
        {
            NodeLog.FailStopped(log, nodeId, cause.Message);
            state.Raise(new NodeFailed(nodeId, cause.Message));
            if (ownsSystem) await system.Terminate().ConfigureAwait(false);
            throw new RaftNodeException(RaftErrorCode.Stopped, $"node {nodeId} stopped itself: {cause.Message}", cause);
        }
    }

    private static async ValueTask ShutdownAsync(ActorSystem system, IActorRef guardian, NodeSettings node, EventDispatcher events, bool ownsSystem)
    {
        if (!node.Stopped.Task.IsCompleted)
        {
            try
            {
                await guardian.GracefulStop(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TaskCanceledException)
            {
                // The system is terminating anyway.
            }
        }
        if (ownsSystem) await system.Terminate().ConfigureAwait(false);
        await events.DisposeAsync().ConfigureAwait(false);
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
            forwarder.OnResponse(from, response);
            return;
        }
        // Answer on another task: the inbox must not wait for a commit.
        var request = (ForwardRequest)message;
        _ = Task.Run(async () =>
        {
            var answer = await node.ExecuteForwardedAsync(request).ConfigureAwait(false);
            node._runtime.Forwarder.Reply(from, answer);
        });
        await Task.CompletedTask.ConfigureAwait(false);
    }
}
