using Akka.Actor;
using RaftActors.Actors.Remote;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>The RaftActor's PeerActors: one child per peer it talks to, created and stopped as the address book changes.</summary>
internal sealed partial class RaftActor
{
    private readonly Dictionary<ulong, (IActorRef Actor, string Address)> _peers = [];

    // Addresses learned from authenticated frames: a joining node knows nobody's address until the membership
    // entries reach it, yet must answer the leader that is replicating them.
    private readonly Dictionary<ulong, string> _learned = [];
    // Where Akka.Cluster says members are now (optional discovery): preferred over the address book's.
    private readonly Dictionary<ulong, string> _discovered = [];
    private long _peerGeneration;

    /// <summary>Starts a PeerActor for every known peer, points moved ones at their new address, stops removed ones.</summary>
    private void SyncPeers()
    {
        var wanted = PeerAddresses();
        foreach (var (id, address) in wanted)
        {
            if (!_peers.TryGetValue(id, out var peer)) StartPeer(id, address);
            else if (!string.Equals(peer.Address, address, StringComparison.Ordinal))
            {
                peer.Actor.Tell(new PeerAddressChanged(address));
                _peers[id] = (peer.Actor, address);
            }
        }
        foreach (var id in _peers.Keys.Where(id => !wanted.ContainsKey(id) && !_learned.ContainsKey(id)).ToArray())
        {
            Context.Stop(_peers[id].Actor);
            _peers.Remove(id);
        }
    }

    private IActorRef? StartPeer(ulong id, string address)
    {
        var props = PeerActor.CreateProps(new PeerActorSettings(_settings.Node, _id, id, address, Self, _log));
        var actor = Context.ActorOf(props, $"peer-{id}-{++_peerGeneration}");
        _peers[id] = (actor, address);
        return actor;
    }

    /// <summary>The PeerActor of <paramref name="to"/>, started on demand from a learned address; null when the peer cannot be reached.</summary>
    private IActorRef? PeerFor(ulong to)
    {
        if (_peers.TryGetValue(to, out var peer)) return peer.Actor;
        return _learned.TryGetValue(to, out var address) ? StartPeer(to, address) : null;
    }

    private void SendTo(ulong to, IReadOnlyList<RaftMessage> messages)
    {
        var peer = PeerFor(to);
        if (peer is null) return; // Unknown peer: Raft retransmits once it is known.
        List<RaftMessage>? plain = null;
        foreach (var message in messages)
        {
            if (message.Type == MessageType.Snapshot)
            {
                if (_storage.SnapshotRef is { } snapshot) peer.Tell(new OutboundSnapshot(message, SnapshotFiles.PathOf(_settings.Node, snapshot), snapshot));
                else Self.Tell(new SnapshotSendFinished(to, Failed: true));
                continue;
            }
            (plain ??= new List<RaftMessage>(messages.Count)).Add(message);
        }
        if (plain is not null) peer.Tell(new OutboundMessages(plain));
    }

    /// <summary>A frame for a peer that is not a Raft message (forwarded requests, snapshot acknowledgements).</summary>
    private void RouteForward(OutboundForward forward)
    {
        var peer = PeerFor(forward.To);
        if (peer is null)
        {
            Note($"dropped a {forward.Kind} frame for node {forward.To}: its address is unknown");
            return;
        }
        peer.Tell(forward);
    }

    private void Note(string message) => RaftActorLog.Peer(_log, _id, message);

    private void OnAddressLearned(PeerAddressLearned learned)
    {
        if (learned.Peer == _id) return;
        if (_learned.TryGetValue(learned.Peer, out var known) && known == learned.Address) return;
        _learned[learned.Peer] = learned.Address;
        // A configured address wins; a learned one only fills a gap.
        if (!_addresses.ContainsKey(learned.Peer) && _peers.TryGetValue(learned.Peer, out var peer) && peer.Address != learned.Address)
        {
            peer.Actor.Tell(new PeerAddressChanged(learned.Address));
            _peers[learned.Peer] = (peer.Actor, learned.Address);
        }
    }

    private void OnDiscovered(PeerDiscovered discovered)
    {
        if (discovered.Peer == _id || (_discovered.TryGetValue(discovered.Peer, out var known) && known == discovered.Address)) return;
        _discovered[discovered.Peer] = discovered.Address;
        Note($"Akka.Cluster places node {discovered.Peer} at {discovered.Address}");
        SyncPeers();
    }

    /// <summary>A snapshot acknowledgement goes to the PeerActor streaming to that peer.</summary>
    private void OnSnapshotAck(SnapshotAckReceived ack)
    {
        if (_peers.TryGetValue(ack.From, out var peer)) peer.Actor.Tell(ack);
    }
}
