using Microsoft.Extensions.Logging;
using RaftActors.Persistence;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// How a node talks to its peers: outgoing Raft messages (<see cref="IPeerRouter"/>), forwarded client
/// requests, and the inbound side that delivers to the RaftActor. The TCP transport
/// (<see cref="NodeTransport"/>) is the real one; the TestKit plugs in an in-process network that can
/// partition, so runtime scenarios run without sockets.
/// </summary>
internal interface INodeNetwork : IPeerRouter, IAsyncDisposable
{
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>The port peers reach this node at once started (the bound one when port 0 was asked for).</summary>
    int BoundPort { get; }

    /// <summary>Sends a forward frame to <paramref name="peerId"/>; false when it cannot be queued.</summary>
    bool SendForward(ulong peerId, byte[] payload);
}

/// <summary>What a network needs from the node it serves.</summary>
internal sealed record NodeNetworkContext(
    RaftNodeOptions Options,
    IActorRef RaftActor,
    ActorSystem System,
    IJournal Journal,
    Func<ulong, ReadOnlyMemory<byte>, ValueTask> OnForward,
    ILoggerFactory LoggerFactory);
