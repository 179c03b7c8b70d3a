using Akka.Actor;
using RaftActors.Core;

namespace RaftActors.Actors;

/// <summary>The <see cref="IRaftClient"/> of DI: forwards to the node once <see cref="RaftExtension"/> has started it.</summary>
internal sealed class HostedRaftClient(ActorSystem system, ulong? nodeId) : IRaftClient
{
    private RaftNode? _node;

    public ulong NodeId => Node().NodeId;

    public ulong Leader => Node().Leader;

    public StateRole Role => Node().Role;

    public async Task<byte[]> ProposeAsync(string ns, byte[] request, RequestOptions? options = null, CancellationToken cancellationToken = default) =>
        await (await NodeAsync(cancellationToken).ConfigureAwait(false)).ProposeAsync(ns, request, options, cancellationToken).ConfigureAwait(false);

    public async Task<byte[]> QueryAsync(string ns, byte[] query, ReadConsistency consistency = ReadConsistency.Linearizable, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        await (await NodeAsync(cancellationToken).ConfigureAwait(false)).QueryAsync(ns, query, consistency, timeout, cancellationToken).ConfigureAwait(false);

    public async Task<NodeStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        await (await NodeAsync(cancellationToken).ConfigureAwait(false)).GetStatusAsync(cancellationToken).ConfigureAwait(false);

    private RaftNode Node() => _node ?? Find() ?? throw new RaftNodeException(RaftErrorCode.Stopped, "the Raft node has not started yet");

    private RaftNode? Find()
    {
        var nodes = RaftExtension.Get(system).Nodes;
        var node = nodeId is { } id ? nodes.GetValueOrDefault(id) : nodes.Count == 1 ? nodes.Values.First() : null;
        if (node is not null) _node = node;
        return node;
    }

    /// <summary>Waits (polling, bounded by the caller's token) for the node the ActorSystem is starting.</summary>
    private async Task<RaftNode> NodeAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            if ((_node ?? Find()) is { } node) return node;
            try
            {
                await Task.Delay(20, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new RaftNodeException(RaftErrorCode.Timeout, "the Raft node did not start within 30 s");
            }
        }
    }
}
