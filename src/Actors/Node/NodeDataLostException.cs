namespace RaftActors.Actors;

/// <summary>
/// Why a node stopped itself right after starting: a peer knows its node id by another data identity, so this node's
/// data folder was wiped or replaced since it last took part. It starts again as a member that forgot its votes and its
/// log (it could vote twice in one term), so it must not take part. The message says how to bring it back: remove it
/// from the cluster and add it again with an empty folder (<c>--join</c>). The console host exits with code 2.
/// </summary>
public sealed class NodeDataLostException(ulong nodeId, ulong peer) : Exception(
    $"node {nodeId} lost its data: node {peer} knows node {nodeId} by another data identity (its data folder was wiped or replaced "
    + $"since it last took part), and a member that forgot its votes and log must not vote again. To bring it back, remove it "
    + $"from the cluster on a member (deleteNode {nodeId}), then start it with an empty data folder and --join, and add it again (addNode)")
{
    public ulong NodeId { get; } = nodeId;

    /// <summary>The peer that refused this node's new data identity.</summary>
    public ulong Peer { get; } = peer;
}
