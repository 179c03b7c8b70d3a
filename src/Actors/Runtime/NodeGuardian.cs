using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace RaftActors.Actors.Runtime;

internal sealed record NodeGuardianSettings(
    RaftNodeOptions Options,
    NodeSettings Node,
    IReadOnlyList<IService> Services,
    ServiceActorOptions ServiceOptions,
    RequestRegistry Registry,
    NodeState State,
    ServiceActorState ServiceState,
    Func<ulong, ReadOnlyMemory<byte>, ValueTask> OnForward,
    ILoggerFactory LoggerFactory);

/// <summary>
/// The root of one node's actors (<c>/user/raft-{id}</c>): the ServiceActor, the RaftActor (which owns the
/// PeerActors) and the inbox peers send to. It never restarts a child: a failure anywhere in the Raft path
/// or the services stops the whole node (fail-stop), because a fresh instance could not know what the failed
/// one had promised. The cause is kept in <see cref="NodeSettings.Failure"/> for the node's API.
/// </summary>
internal sealed class NodeGuardian : ReceiveActor
{
    private readonly NodeGuardianSettings _settings;
    private IActorRef _raft = ActorRefs.Nobody;
    private IActorRef _service = ActorRefs.Nobody;

    public NodeGuardian(NodeGuardianSettings settings)
    {
        _settings = settings;
        Receive<Terminated>(OnTerminated);
        Receive<RaftRefRequest>(request => request.Completion.TrySetResult((_raft, _service)));
    }

    public static Props CreateProps(NodeGuardianSettings settings) => Props.Create(() => new NodeGuardian(settings));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(cause =>
    {
        _settings.Node.Fail(cause is ActorInitializationException { InnerException: { } inner } ? inner : cause);
        return Directive.Stop;
    });

    protected override void PreStart()
    {
        var factory = _settings.LoggerFactory;
        var id = _settings.Options.NodeId;
        _service = Context.ActorOf(ServiceActor.CreateProps(id, _settings.Services, _settings.Registry, _settings.ServiceOptions,
            _settings.ServiceState, factory.CreateLogger("RaftActors.Service")), "service");
        var raft = new RaftActorSettings(_settings.Options, _settings.Node, _settings.Registry, _settings.State, _service,
            factory.CreateLogger("RaftActors.Raft"));
        _raft = Context.ActorOf(Props.Create(() => new RaftActor(raft)), "raft");
        var inbox = Context.ActorOf(PeerInbox.CreateProps(new PeerInboxSettings(_settings.Node, id, _raft, _settings.OnForward,
            factory.CreateLogger("RaftActors.Peers"))), "inbox");
        if (_settings.Options.DiscoveryRole is { } role) Context.ActorOf(ClusterPeerDiscovery.CreateProps(role, _raft), "discovery");
        Context.Watch(_raft);
        Context.Watch(_service);
        // The inbox stops the node when a peer says this node lost its data.
        Context.Watch(inbox);
    }

    /// <summary>The RaftActor, the ServiceActor or the inbox stopped: the node cannot serve without any of them.</summary>
    private void OnTerminated(Terminated terminated) => Context.Stop(Self);

    protected override void PostStop()
    {
        var stopped = new RaftNodeException(RaftErrorCode.Stopped, $"node {_settings.Options.NodeId} has stopped");
        _settings.Registry.FailAll(stopped);
        _settings.ServiceState.FailRecovery(_settings.Node.Failure ?? stopped);
        _settings.Node.Started.TrySetException(_settings.Node.Failure ?? stopped);
        _settings.Node.Stopped.TrySetResult();
    }
}

/// <summary>Asks the guardian for the refs of its RaftActor and ServiceActor.</summary>
internal sealed record RaftRefRequest(TaskCompletionSource<(IActorRef Raft, IActorRef Service)> Completion);
