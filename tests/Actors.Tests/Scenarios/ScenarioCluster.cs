using RaftActors.Actors;
using RaftActors.Persistence;
using RaftActors.TestKit.Network;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Real nodes (actors, journals, services) on an <see cref="InProcessNetwork"/>, each with an in-memory
/// journal whose store outlives the node, so a node crashed and started again finds its data. Waits poll
/// with deadlines; nothing sleeps for correctness.
/// </summary>
internal sealed class ScenarioCluster : IAsyncDisposable
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);
    public const int ElectionTicks = 10;
    public static readonly TimeSpan ElectionTimeout = Tick * ElectionTicks;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "raftactors-scenario-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<ulong, InMemoryJournalStore> _stores = [];
    private readonly ulong[] _founders;
    private readonly ulong _snapshotEvery;
    private readonly ulong _keepEntriesAfterSnapshot;

    private ScenarioCluster(ulong[] founders, ulong snapshotEvery, ulong keepEntriesAfterSnapshot)
    {
        _founders = founders;
        _snapshotEvery = snapshotEvery;
        _keepEntriesAfterSnapshot = keepEntriesAfterSnapshot;
        foreach (var id in founders) _stores[id] = new InMemoryJournalStore($"node-{id}");
    }

    public InProcessNetwork Network { get; } = new();
    public Dictionary<ulong, RaftNode> Nodes { get; } = [];
    public Dictionary<ulong, LedgerService> Services { get; } = [];

    /// <param name="snapshotEvery">Small values make the nodes snapshot and compact their logs during a test.</param>
    public static async Task<ScenarioCluster> StartAsync(int size, ulong snapshotEvery = 10_000, ulong keepEntriesAfterSnapshot = 10_000)
    {
        var cluster = new ScenarioCluster([.. Enumerable.Range(1, size).Select(i => (ulong)i)], snapshotEvery, keepEntriesAfterSnapshot);
        await Task.WhenAll(cluster._founders.Select(cluster.StartNodeAsync));
        return cluster;
    }

    /// <summary>Starts node <paramref name="id"/>, or starts it again over the journal it had, with a fresh service.</summary>
    public async Task<RaftNode> StartNodeAsync(ulong id)
    {
        var store = _stores[id];
        var options = new RaftNodeOptions
        {
            NodeId = id, ListenAddress = InProcessNetwork.AddressOf(id), DataDirectory = DataDirectory(id),
            ClusterId = "scenario", Secret = "scenario-secret-0123456789",
            Peers = _founders.Where(f => f != id).ToDictionary(f => f, InProcessNetwork.AddressOf),
            TickInterval = Tick, ElectionTicks = ElectionTicks, RequestTimeout = TimeSpan.FromSeconds(10),
            SnapshotEvery = _snapshotEvery, KeepEntriesAfterSnapshot = _keepEntriesAfterSnapshot,
            JournalFactory = _ => new InMemoryJournal(store),
        };
        var service = new LedgerService();
        var node = await Network.StartNodeAsync(options, [service]);
        lock (Nodes)
        {
            Nodes[id] = node;
            Services[id] = service;
        }
        return node;
    }

    public async Task CrashAsync(ulong id)
    {
        await InProcessNetwork.CrashAsync(Nodes[id]);
        Nodes.Remove(id);
    }

    public async Task StopAsync(ulong id)
    {
        await Nodes[id].StopAsync();
        Nodes.Remove(id);
    }

    /// <summary>
    /// The leader that every node of <paramref name="among"/> (all running nodes by default) knows, once
    /// exactly one of them leads.
    /// </summary>
    public async Task<ulong> WaitForLeaderAsync(IReadOnlyCollection<ulong>? among = null, TimeSpan? timeout = null)
    {
        var group = (among ?? Nodes.Keys).Select(id => Nodes[id]).ToArray();
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
            statuses = await Task.WhenAll(Nodes.Values.Select(n => n.GetStatusAsync()));
            return statuses.Select(s => (s.CommitIndex, s.AppliedIndex)).Distinct().Count() == 1
                && statuses[0].CommitIndex == statuses[0].AppliedIndex
                && Services.Where(s => Nodes.ContainsKey(s.Key)).Select(s => s.Value.Dump()).Distinct().Count() == 1;
        }, () => "convergence: " + string.Join(", ", statuses.Select(s => $"{s.NodeId}: commit {s.CommitIndex} applied {s.AppliedIndex}")), timeout);
    }

    public string DataDirectory(ulong id) => Path.Combine(_root, $"node-{id}");

    public ulong AnyFollower(ulong leader) => Nodes.Keys.First(id => id != leader);

    public static Task WaitUntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what()}");
            await Task.Delay(Tick);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Values) await InProcessNetwork.CrashAsync(node);
        Nodes.Clear();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }
}
