using System.Reflection;
using Microsoft.Extensions.Logging;
using RaftActors.Actors;
using RaftActors.Actors.Runtime;

namespace RaftActors.TestKit.Network;

/// <summary>
/// A network for real <see cref="RaftNode"/>s inside one process, without sockets, that tests can cut:
/// <see cref="Isolate"/>, <see cref="Cut"/>, <see cref="CutOneWay"/>, <see cref="Partition"/>,
/// <see cref="Heal"/>, and a seeded <see cref="SetDropRate"/>. Nodes join it by being started with
/// <see cref="StartNodeAsync"/> (or with options from <see cref="Configure"/>) and leave it when they stop
/// or crash. Each directed link delivers in order, asynchronously, like one TCP connection: a message is
/// never handed to the receiver inside the sender's Ready cycle. A cut link drops what it carries
/// (messages already on their way included) and the sender is told once that the peer is unreachable,
/// then that it is reachable again when the link heals, as the TCP transport would.
/// <code>
/// var network = new InProcessNetwork();
/// var node = await network.StartNodeAsync(new RaftNodeOptions { NodeId = 1, ListenAddress = InProcessNetwork.AddressOf(1),
///     Peers = new Dictionary&lt;ulong, string&gt; { [2] = InProcessNetwork.AddressOf(2) }, ... }, [service]);
/// network.Isolate(1);
/// </code>
/// Thread-safe.
/// </summary>
public sealed class InProcessNetwork
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, InProcessEndpoint> _nodes = [];
    private readonly LinkRules _rules = new();
    private long _delivered;
    private long _dropped;

    /// <summary>
    /// The address to give a node on this network (its <see cref="RaftNodeOptions.ListenAddress"/> and its
    /// entry in other nodes' <see cref="RaftNodeOptions.Peers"/>). The network routes by node id; the
    /// address only has to look like <c>host:port</c> to the parts of the node that read it.
    /// </summary>
    public static string AddressOf(ulong nodeId) => FormattableString.Invariant($"in-process:{nodeId}");

    /// <summary>The ids of the nodes running on this network now.</summary>
    public IReadOnlyCollection<ulong> Nodes
    {
        get
        {
            lock (_gate) return [.. _nodes.Keys];
        }
    }

    /// <summary>Messages and snapshots handed to a receiver so far.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Messages and snapshots lost so far: to cut links, stopped nodes or <see cref="DropRate"/>.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public double DropRate
    {
        get
        {
            lock (_gate) return _rules.DropRate;
        }
    }

    /// <summary>The seed of the current drop rate, for the failure message of a randomized test.</summary>
    public int? Seed
    {
        get
        {
            lock (_gate) return _rules.Seed;
        }
    }

    /// <summary>
    /// A copy of <paramref name="options"/> that starts the node on this network instead of TCP. Every
    /// other option is kept; <see cref="RaftNodeOptions.AdvertisedAddress"/> defaults to <see cref="AddressOf"/>.
    /// </summary>
    public RaftNodeOptions Configure(RaftNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = new RaftNodeOptions
        {
            NodeId = options.NodeId, ListenAddress = options.ListenAddress, DataDirectory = options.DataDirectory,
            ClusterId = options.ClusterId, Secret = options.Secret,
            AdvertisedAddress = options.AdvertisedAddress ?? AddressOf(options.NodeId),
            NetworkFactory = context => new InProcessEndpoint(this, context),
        };
        // The rest is copied by reflection, so that an option added to RaftNodeOptions later is never silently lost here.
        string[] set = [nameof(RaftNodeOptions.AdvertisedAddress), nameof(RaftNodeOptions.NetworkFactory)];
        foreach (var property in typeof(RaftNodeOptions).GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (property.CanWrite && !set.Contains(property.Name)) property.SetValue(copy, property.GetValue(options));
        }
        return copy;
    }

    /// <summary><see cref="RaftNode.StartAsync"/> on this network: the node joins it before it starts serving.</summary>
    public Task<RaftNode> StartNodeAsync(RaftNodeOptions options, IEnumerable<IService> services, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default) =>
        RaftNode.StartAsync(Configure(options), services, loggerFactory, cancellationToken);

    /// <summary>Stops <paramref name="node"/> as a crash would: no leadership hand-over, messages on their way lost.</summary>
    public static ValueTask CrashAsync(RaftNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.CrashAsync();
    }

    /// <summary>Cuts every link to and from <paramref name="nodeId"/>, including links to nodes started later.</summary>
    public void Isolate(ulong nodeId) => Change(rules => rules.Isolate(nodeId));

    /// <summary>Cuts both directions between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public void Cut(ulong a, ulong b) => Change(rules =>
    {
        rules.CutOneWay(a, b);
        rules.CutOneWay(b, a);
    });

    /// <summary>Cuts only what <paramref name="from"/> sends to <paramref name="to"/>; the other direction still works.</summary>
    public void CutOneWay(ulong from, ulong to) => Change(rules => rules.CutOneWay(from, to));

    /// <summary>
    /// Cuts every link between nodes of different <paramref name="groups"/>, in both directions; links
    /// inside a group, and to nodes listed in no group, keep their current state.
    /// </summary>
    public void Partition(params IReadOnlyCollection<ulong>[] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Change(rules =>
        {
            for (var i = 0; i < groups.Length; i++)
            {
                for (var j = 0; j < groups.Length; j++)
                {
                    if (i == j) continue;
                    foreach (var from in groups[i])
                    {
                        foreach (var to in groups[j]) rules.CutOneWay(from, to);
                    }
                }
            }
        });
    }

    /// <summary>Reopens every link (the drop rate stays); senders that were told a peer was unreachable hear it is back.</summary>
    public void Heal() => Change(rules => rules.Clear());

    /// <summary>Loses each message on an open link with probability <paramref name="rate"/>, decided by a random source seeded with <paramref name="seed"/>.</summary>
    public void SetDropRate(double rate, int seed)
    {
        lock (_gate) _rules.SetDropRate(rate, seed);
    }

    /// <summary>Whether a message from <paramref name="from"/> to <paramref name="to"/> would get through now (drop rate aside).</summary>
    public bool CanDeliver(ulong from, ulong to)
    {
        lock (_gate) return _rules.IsOpen(from, to) && _nodes.ContainsKey(to);
    }

    internal void Register(InProcessEndpoint endpoint)
    {
        lock (_gate)
        {
            if (!_nodes.TryAdd(endpoint.NodeId, endpoint))
            {
                throw new InvalidOperationException($"node {endpoint.NodeId} is already running on this network");
            }
        }
        RefreshAll();
    }

    internal void Unregister(InProcessEndpoint endpoint)
    {
        lock (_gate)
        {
            // Only this incarnation: a restarted node may already have registered under the same id.
            if (_nodes.TryGetValue(endpoint.NodeId, out var current) && current == endpoint) _nodes.Remove(endpoint.NodeId);
        }
    }

    /// <summary>
    /// The receiver of one message from <paramref name="from"/>, or null when the message is lost: the link
    /// is cut, the receiver is not running, or the drop rate says so. Counts the outcome.
    /// </summary>
    internal InProcessEndpoint? Route(ulong from, ulong to, out bool linkOpen)
    {
        InProcessEndpoint? target;
        lock (_gate)
        {
            _nodes.TryGetValue(to, out var receiver);
            linkOpen = receiver is not null && _rules.IsOpen(from, to);
            target = linkOpen && !_rules.ShouldDrop() ? receiver : null;
        }
        Interlocked.Increment(ref target is null ? ref _dropped : ref _delivered);
        return target;
    }

    private void Change(Action<LinkRules> change)
    {
        lock (_gate) change(_rules);
        RefreshAll();
    }

    /// <summary>Every link re-checks its reachability, so that senders hear about a heal without having to send first.</summary>
    private void RefreshAll()
    {
        InProcessEndpoint[] endpoints;
        lock (_gate) endpoints = [.. _nodes.Values];
        foreach (var endpoint in endpoints) endpoint.RefreshLinks();
    }
}
