using Akka.Actor;
using Akka.Cluster;
using System.Globalization;

namespace RaftActors.Actors.Runtime;

/// <summary>The cluster says node <paramref name="Peer"/> is up at <paramref name="Address"/>.</summary>
internal sealed record PeerDiscovered(ulong Peer, string Address);

/// <summary>
/// Optional peer discovery from Akka.Cluster: a member that has the discovery role and a role
/// <c>raft-node-{id}</c> tells where node <c>id</c> is now, and the RaftActor sends there (a node that came back
/// at another address is reached without a membership change). Only addresses: who votes is decided by the
/// Raft log alone, so no cluster event ever adds, removes or promotes a member.
/// </summary>
internal sealed class ClusterPeerDiscovery : ReceiveActor
{
    public const string NodeRolePrefix = "raft-node-";
    private readonly string _role;
    private readonly IActorRef _raft;

    public ClusterPeerDiscovery(string role, IActorRef raft)
    {
        _role = role;
        _raft = raft;
        Receive<ClusterEvent.MemberUp>(up => Discovered(up.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(up => Discovered(up.Member));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public static Props CreateProps(string role, IActorRef raft) => Props.Create(() => new ClusterPeerDiscovery(role, raft));

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberWeaklyUp));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void Discovered(Member member)
    {
        if (!member.HasRole(_role)) return;
        foreach (var role in member.Roles)
        {
            if (role.StartsWith(NodeRolePrefix, StringComparison.Ordinal)
                && ulong.TryParse(role.AsSpan(NodeRolePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != 0)
            {
                _raft.Tell(new PeerDiscovered(id, member.Address.ToString()));
            }
        }
    }
}
