using RaftActors.Actors;
using RaftActors.Host.Services;

namespace RaftActors.Host.Node;

/// <summary>One running incarnation of the node: a RaftNode and the service instances it applies to.</summary>
internal sealed record NodeContext(RaftNode Raft, KeyValueService Kv, MembershipService Members)
{
    /// <summary>The services handed to the node; the user-facing ones first (their GetInit is replayed on leave).</summary>
    public IService[] Services => [Kv, Members];

    public IService[] UserServices => [Kv];
}
