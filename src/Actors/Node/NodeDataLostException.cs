namespace RaftActors.Actors;

/// <summary>
/// Why a node stopped itself right after starting: its votes and log are gone while it still presents itself as the
/// member that had them, so it could vote twice in one term and must not take part. Either a peer knows its node id by
/// another data identity (its data folder was wiped or replaced since it last took part; <see cref="Peer"/> names that
/// peer), or the node found its own journal empty although its data folder recorded writes to it (the journal was
/// deleted or replaced; <see cref="Peer"/> is 0). The message says how to bring it back: remove it from the cluster and
/// add it again with an empty folder (<c>--join</c>). The console host exits with code 2.
/// </summary>
public sealed class NodeDataLostException : Exception
{
    /// <summary>A peer refused this node's new data identity.</summary>
    public NodeDataLostException(ulong nodeId, ulong peer)
        : this(nodeId, peer, $"node {peer} knows node {nodeId} by another data identity (its data folder was wiped or replaced since it last took part)")
    {
    }

    /// <summary>This node found its journal empty while its data folder recorded writes to it (<paramref name="evidence"/>).</summary>
    public NodeDataLostException(ulong nodeId, string evidence)
        : this(nodeId, 0, $"its journal and snapshot store hold nothing, but {evidence} (the journal was deleted or replaced)")
    {
    }

    private NodeDataLostException(ulong nodeId, ulong peer, string cause) : base(
        $"node {nodeId} lost its data: {cause}, and a member that forgot its votes and log must not vote again. To bring it back, "
        + $"remove it from the cluster on a member (deleteNode {nodeId}), then start it with an empty data folder and --join, and add it again (addNode)")
    {
        NodeId = nodeId;
        Peer = peer;
    }

    public ulong NodeId { get; }

    /// <summary>The peer that refused this node's new data identity, or 0 when the node found the loss itself.</summary>
    public ulong Peer { get; }
}
