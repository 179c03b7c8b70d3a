using Akka.Actor;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The running parts of one node that the public API talks to. Built by <see cref="RaftNode.StartAsync"/>;
/// <see cref="DisposeAsync"/> stops the actors, closes the transport and the journal.
/// </summary>
internal sealed class NodeRuntime(
    NodeState state,
    RequestRegistry registry,
    IActorRef guardian,
    IActorRef raftActor,
    IActorRef serviceActor,
    Forwarder forwarder,
    EventDispatcher events,
    ServiceActorState serviceState,
    Task completion,
    string advertisedAddress,
    Func<ValueTask> shutdown) : IAsyncDisposable
{
    private int _disposed;

    public NodeState State { get; } = state;
    public RequestRegistry Registry { get; } = registry;
    public IActorRef Guardian { get; } = guardian;
    public IActorRef RaftActor { get; } = raftActor;
    public IActorRef ServiceActor { get; } = serviceActor;
    public Forwarder Forwarder { get; } = forwarder;
    public EventDispatcher Events { get; } = events;
    public ServiceActorState ServiceState { get; } = serviceState;
    public Task Recovered => ServiceState.Recovered;
    public Task Completion { get; } = completion;
    public string AdvertisedAddress { get; } = advertisedAddress;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await shutdown().ConfigureAwait(false);
    }
}
