using RaftActors.Actors;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using RaftActors.Persistence;

namespace RaftActors.TestKit.Network;

/// <summary>
/// One node's side of an <see cref="InProcessNetwork"/>, in the place of its TCP transport: one
/// <see cref="InProcessLink"/> per peer, created and removed as the node's membership changes (as the TCP
/// transport does with its PeerActors), and the inbound side the links deliver to. Thread-safe: the
/// RaftActor sends through it while the node changes the set of peers.
/// </summary>
internal sealed class InProcessEndpoint : INodeNetwork
{
    private readonly InProcessNetwork _network;
    private readonly NodeNetworkContext _context;
    private readonly Dictionary<ulong, InProcessLink> _links = [];
    private bool _disposed;

    public InProcessEndpoint(InProcessNetwork network, NodeNetworkContext context)
    {
        _network = network;
        _context = context;
        IncomingSnapshots = Path.Combine(context.Options.DataDirectory, "snapshots-incoming");
    }

    public ulong NodeId => _context.Options.NodeId;

    /// <summary>Where the RaftActor expects messages, snapshots and transfer outcomes.</summary>
    public IActorRef RaftActor => _context.RaftActor;

    /// <summary>Where peers' snapshots read from: this node's journal.</summary>
    public IJournal Journal => _context.Journal;

    /// <summary>The folder, as for the TCP transport, where snapshots sent to this node are staged.</summary>
    public string IncomingSnapshots { get; }

    /// <summary>No port: peers find this node by id.</summary>
    public int BoundPort => 0;

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Directory.CreateDirectory(IncomingSnapshots);
        // Transfers a crash interrupted left these; the node's journal never refers to them.
        foreach (var leftover in Directory.EnumerateFiles(IncomingSnapshots)) File.Delete(leftover);
        _network.Register(this);
        return Task.CompletedTask;
    }

    public ValueTask ReceiveForwardAsync(ulong from, ReadOnlyMemory<byte> payload) => _context.OnForward(from, payload);

    public void Send(ulong to, IReadOnlyList<RaftMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        // Dropped when the peer is not a member we know, as the TCP transport does; Raft retransmits.
        if (TryGetLink(to, out var link)) link.Post(new LinkItem.Messages(messages));
    }

    public bool SendForward(ulong peerId, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!TryGetLink(peerId, out var link)) return false;
        link.Post(new LinkItem.Forward(payload));
        return true;
    }

    public void SetPeers(IReadOnlyDictionary<ulong, string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        List<InProcessLink> removed;
        lock (_links)
        {
            if (_disposed) return;
            foreach (var id in addresses.Keys)
            {
                if (id != NodeId && !_links.ContainsKey(id)) _links[id] = new InProcessLink(_network, this, id);
            }
            removed = [.. _links.Values.Where(l => !addresses.ContainsKey(l.To))];
            foreach (var link in removed) _links.Remove(link.To);
        }
        // Not awaited: SetPeers runs on the RaftActor's loop, which a stopping link must not hold up.
        foreach (var link in removed) _ = link.DisposeAsync().AsTask();
    }

    /// <summary>Asks every link to re-check whether its peer is reachable (after a change of the network's rules).</summary>
    public void RefreshLinks()
    {
        lock (_links)
        {
            foreach (var link in _links.Values) link.Post(LinkItem.Refresh.Instance);
        }
    }

    /// <summary>Leaves the network first (nothing more is delivered here), then stops the links.</summary>
    public async ValueTask DisposeAsync()
    {
        List<InProcessLink> links;
        lock (_links)
        {
            if (_disposed) return;
            _disposed = true;
            links = [.. _links.Values];
            _links.Clear();
        }
        _network.Unregister(this);
        foreach (var link in links) await link.DisposeAsync().ConfigureAwait(false);
    }

    private bool TryGetLink(ulong to, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out InProcessLink? link)
    {
        lock (_links) return _links.TryGetValue(to, out link);
    }
}
