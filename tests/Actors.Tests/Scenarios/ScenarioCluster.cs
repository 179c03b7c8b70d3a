using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using RaftActors.Actors;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Real nodes in this process, each in an ActorSystem of its own, talking over Akka.Remote on 127.0.0.1 through
/// the throttler transport adapter <see cref="ScenarioNetwork"/> cuts links with, each with its SQLite journal in
/// a data folder of its own. Ports are picked up front, so a node crashed and started again keeps its address and finds its journal.
/// Waits poll with deadlines; nothing sleeps for correctness.
/// </summary>
internal sealed class ScenarioCluster : IAsyncDisposable
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);
    public const int ElectionTicks = 10;
    public static readonly TimeSpan ElectionTimeout = Tick * ElectionTicks;

    /// <summary>
    /// The throttler on every link, and next to no flush at shutdown: a crash says no goodbye, and a link to a
    /// peer that is gone would hold a terminating system for the default 2 s.
    /// </summary>
    private const string BaseConfig = ScenarioNetwork.AdaptersConfig + "\nakka.remote.flush-wait-on-shutdown = 100ms";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "raftactors-scenario-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentDictionary<ulong, int> _ports = new();
    private readonly Dictionary<ulong, ExtendedActorSystem> _systems = [];
    private readonly ulong[] _founders;
    private readonly ulong _snapshotEvery;
    private readonly ulong _keepEntriesAfterSnapshot;
    private readonly Config _systemConfig;

    private ScenarioCluster(ulong[] founders, ulong snapshotEvery, ulong keepEntriesAfterSnapshot, string? systemConfig)
    {
        _founders = founders;
        _snapshotEvery = snapshotEvery;
        _keepEntriesAfterSnapshot = keepEntriesAfterSnapshot;
        _systemConfig = ConfigurationFactory.ParseString(systemConfig ?? "").WithFallback(ConfigurationFactory.ParseString(BaseConfig));
        foreach (var id in founders) _ports[id] = NodeCluster.FreePort();
        Network = new ScenarioNetwork(PortOf);
    }

    public ScenarioNetwork Network { get; }
    public Dictionary<ulong, RaftNode> Nodes { get; } = [];
    public Dictionary<ulong, LedgerService> Services { get; } = [];

    /// <summary>The log lines of each node's latest start.</summary>
    public Dictionary<ulong, CapturingLoggerFactory> Logs { get; } = [];

    /// <summary>The events each node raised, across restarts.</summary>
    public ConcurrentDictionary<ulong, ConcurrentQueue<RaftEvent>> Events { get; } = new();

    /// <param name="snapshotEvery">Small values make the nodes snapshot and compact their logs during a test.</param>
    /// <param name="systemConfig">HOCON laid over every node's ActorSystem configuration.</param>
    public static async Task<ScenarioCluster> StartAsync(int size, ulong snapshotEvery = 10_000, ulong keepEntriesAfterSnapshot = 10_000,
        string? systemConfig = null)
    {
        var cluster = new ScenarioCluster([.. Enumerable.Range(1, size).Select(i => (ulong)i)], snapshotEvery, keepEntriesAfterSnapshot, systemConfig);
        try
        {
            await Task.WhenAll(cluster._founders.Select(id => cluster.StartNodeAsync(id)));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Where peers reach node <paramref name="id"/> (picked on first use, kept across restarts).</summary>
    public string Address(ulong id) => $"127.0.0.1:{PortOf(id)}";

    /// <summary>
    /// Starts node <paramref name="id"/>, or starts it again over the journal it had, with a fresh service. A node
    /// that is not a founder starts with <paramref name="join"/> and waits to be added.
    /// </summary>
    public async Task<RaftNode> StartNodeAsync(ulong id, bool join = false)
    {
        var key = $"{Path.GetFileName(_root)}-{id}-{Guid.NewGuid():N}";
        var options = new RaftNodeOptions
        {
            NodeId = id, ListenAddress = Address(id), DataDirectory = DataDirectory(id), Join = join,
            ClusterId = "scenario", Secret = "scenario-secret-0123456789",
            Peers = _founders.Where(f => f != id).ToDictionary(f => f, Address),
            TickInterval = Tick, ElectionTicks = ElectionTicks, RequestTimeout = TimeSpan.FromSeconds(10),
            SnapshotEvery = _snapshotEvery, KeepEntriesAfterSnapshot = _keepEntriesAfterSnapshot,
            ActorSystemConfig = _systemConfig.WithFallback(ScenarioSystems.Config(key)),
        };
        var service = new LedgerService();
        var logs = new CapturingLoggerFactory();
        RaftNode node;
        ExtendedActorSystem? system;
        try
        {
            node = await RaftNode.StartAsync(options, [service], logs);
        }
        finally
        {
            system = ScenarioSystems.Take(key);
        }
        if (system is null)
        {
            await node.CrashAsync();
            throw new InvalidOperationException($"node {id} started without registering its ActorSystem");
        }
        var events = Events.GetOrAdd(id, _ => new ConcurrentQueue<RaftEvent>());
        node.EventRaised += (_, e) => events.Enqueue(e);
        lock (Nodes)
        {
            Nodes[id] = node;
            Services[id] = service;
            Logs[id] = logs;
            _systems[id] = system;
        }
        await Network.AttachAsync(id, system);
        return node;
    }

    /// <summary>Kills node <paramref name="id"/>: its ActorSystem terminates under it, with no hand-over and no goodbye.</summary>
    public async Task CrashAsync(ulong id)
    {
        var (node, system) = Forget(id);
        await system.Terminate();
        await node.CrashAsync();
    }

    /// <summary>Stops node <paramref name="id"/> gracefully (a leader hands over first).</summary>
    public async Task StopAsync(ulong id)
    {
        var (node, _) = Forget(id);
        await node.StopAsync();
    }

    /// <summary>
    /// The leader that every node of <paramref name="among"/> (all running nodes by default) knows, once
    /// exactly one of them leads.
    /// </summary>
    public async Task<ulong> WaitForLeaderAsync(IReadOnlyCollection<ulong>? among = null, TimeSpan? timeout = null)
    {
        RaftNode[] group;
        lock (Nodes) group = [.. (among ?? Nodes.Keys).Select(id => Nodes[id])];
        ulong leader = 0;
        await WaitUntilAsync(() =>
        {
            var leaders = group.Where(n => n.IsLeader).ToArray();
            leader = leaders.Length == 1 && group.All(n => n.Leader == leaders[0].NodeId) ? leaders[0].NodeId : 0;
            return leader != 0;
        }, () => "a single leader that every node agrees on: " + string.Join(", ", group.Select(n => $"{n.NodeId}:{n.Role}/{n.Leader}")), timeout);
        return leader;
    }

    /// <summary>Every running node has applied everything committed, at the same index, and holds the same data.</summary>
    public async Task WaitForConvergenceAsync(TimeSpan? timeout = null)
    {
        NodeStatus[] statuses = [];
        await WaitUntilAsync(async () =>
        {
            RaftNode[] nodes;
            LedgerService[] services;
            lock (Nodes)
            {
                nodes = [.. Nodes.Values];
                services = [.. Nodes.Keys.Select(id => Services[id])];
            }
            statuses = await Task.WhenAll(nodes.Select(n => n.GetStatusAsync()));
            return statuses.Select(s => (s.CommitIndex, s.AppliedIndex)).Distinct().Count() == 1
                && statuses[0].CommitIndex == statuses[0].AppliedIndex
                && services.Select(s => s.Dump()).Distinct().Count() == 1;
        }, () => "convergence: " + string.Join(", ", statuses.Select(s => $"{s.NodeId}: commit {s.CommitIndex} applied {s.AppliedIndex}")), timeout);
    }

    public string DataDirectory(ulong id) => Path.Combine(_root, $"node-{id}");

    public ulong AnyFollower(ulong leader)
    {
        lock (Nodes) return Nodes.Keys.Order().First(id => id != leader);
    }

    public static Task WaitUntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null)
    {
        // Generous, as NodeCluster.DefaultWait says why; it ends as soon as the condition holds.
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what()}");
            await Task.Delay(Tick);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Network.StopLossAsync();
        ulong[] running;
        lock (Nodes) running = [.. Nodes.Keys];
        foreach (var id in running) await CrashAsync(id);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private int PortOf(ulong id) => _ports.GetOrAdd(id, _ => NodeCluster.FreePort());

    private (RaftNode Node, ExtendedActorSystem System) Forget(ulong id)
    {
        Network.Detach(id);
        lock (Nodes)
        {
            var node = Nodes[id];
            var system = _systems[id];
            Nodes.Remove(id);
            _systems.Remove(id);
            return (node, system);
        }
    }
}
