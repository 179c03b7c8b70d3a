using RaftActors.Core;

namespace RaftActors.Actors;

/// <summary>
/// What an application needs of a Raft node to use its replicated services: propose, read (linearizable or
/// stale), and look at the node. <see cref="RaftNode"/> implements it; Akka.Hosting users get one from DI
/// (<see cref="RaftHostingExtensions.WithRaft"/>).
/// </summary>
public interface IRaftClient
{
    ulong NodeId { get; }

    /// <summary>The leader this node knows of, or 0.</summary>
    ulong Leader { get; }

    StateRole Role { get; }

    /// <summary>Proposes <paramref name="request"/> to the service of <paramref name="ns"/>; returns the applied result.</summary>
    Task<byte[]> ProposeAsync(string ns, byte[] request, RequestOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Answers <paramref name="query"/> from the service of <paramref name="ns"/>, linearizably unless asked otherwise.</summary>
    Task<byte[]> QueryAsync(string ns, byte[] query, ReadConsistency consistency = ReadConsistency.Linearizable, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default);

    /// <summary>The node's view of itself and of the members.</summary>
    Task<NodeStatus> GetStatusAsync(CancellationToken cancellationToken = default);
}
