using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// Real nodes in this process: TCP on 127.0.0.1, SQLite journals in a temporary folder (deleted on
/// dispose). Waits poll with deadlines; nothing sleeps for correctness. A node keeps its port and data
/// folder across a stop or crash, so <see cref="RestartNodeAsync"/> brings back the same node.
/// </summary>
internal sealed class NodeCluster : IAsyncDisposable
{
    public const string Secret = "test-cluster-secret-0123456789";
    public const string ClusterId = "test";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "raftactors-node-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<ulong, int> _ports = [];
    private readonly Dictionary<ulong, (ulong[] Founders, bool Join)> _starts = [];

    /// <summary>
    /// How long a wait of this cluster lasts unless told otherwise. Generous on purpose: CI runs the test assemblies
    /// side by side on two cores, where a catch-up that takes a second alone has taken over 20 s. A wait ends as soon
    /// as its condition holds, so a passing test is not slower for it; a node that never gets there still fails it.
    /// </summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);

    public Dictionary<ulong, RaftNode> Nodes { get; } = [];
    public Dictionary<ulong, KeyValueTestService> Services { get; } = [];

    /// <summary>The <see cref="ExtraServices"/> of each node's latest start.</summary>
    public Dictionary<ulong, IReadOnlyList<IService>> ExtraServicesOf { get; } = [];

    /// <summary>The log lines of each node's latest start.</summary>
    public Dictionary<ulong, CapturingLoggerFactory> Logs { get; } = [];

    /// <summary>The events each node raised, across restarts.</summary>
    public ConcurrentDictionary<ulong, ConcurrentQueue<RaftEvent>> Events { get; } = new();

    public Func<ulong, RaftNodeOptions, RaftNodeOptions> Customize { get; set; } = (_, o) => o;

    /// <summary>Services a node runs besides its <see cref="KeyValueTestService"/> (fresh ones at every start).</summary>
    public Func<ulong, IReadOnlyList<IService>> ExtraServices { get; set; } = _ => [];

    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public string Address(ulong id) => $"127.0.0.1:{_ports[id]}";

    public IPEndPoint EndPoint(ulong id) => new(IPAddress.Loopback, _ports[id]);

    public string DataDirectory(ulong id) => Path.Combine(_root, $"node-{id}");

    public async Task StartAsync(params ulong[] ids)
    {
        foreach (var id in ids) _ports.TryAdd(id, FreePort());
        await Task.WhenAll(ids.Select(id => StartNodeAsync(id, ids)));
    }

    /// <summary>The options a node of this cluster starts with (before <see cref="Customize"/>).</summary>
    public RaftNodeOptions OptionsFor(ulong id, IReadOnlyCollection<ulong> founders, bool join = false)
    {
        _ports.TryAdd(id, FreePort());
        return new RaftNodeOptions
        {
            NodeId = id, ListenAddress = Address(id), DataDirectory = DataDirectory(id),
            ClusterId = ClusterId, Secret = Secret, TickInterval = TimeSpan.FromMilliseconds(50), Join = join,
            Peers = founders.Where(f => f != id).ToDictionary(f => f, Address),
            RequestTimeout = TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>A copy of <paramref name="o"/> with what is given replaced (the options are init-only).</summary>
    public static RaftNodeOptions With(RaftNodeOptions o, ulong? snapshotEvery = null, ulong? keepEntries = null, string? secret = null,
        string? clusterId = null, string? journalPluginId = null, Akka.Configuration.Config? systemConfig = null, string? snapshotPluginId = null) => new()
    {
        NodeId = o.NodeId, ListenAddress = o.ListenAddress, DataDirectory = o.DataDirectory, Peers = o.Peers, Join = o.Join,
        TickInterval = o.TickInterval, RequestTimeout = o.RequestTimeout,
        SnapshotEvery = snapshotEvery ?? o.SnapshotEvery, KeepEntriesAfterSnapshot = keepEntries ?? o.KeepEntriesAfterSnapshot,
        Secret = secret ?? o.Secret, ClusterId = clusterId ?? o.ClusterId, JournalPluginId = journalPluginId ?? o.JournalPluginId,
        SnapshotPluginId = snapshotPluginId ?? o.SnapshotPluginId,
        ActorSystemConfig = systemConfig ?? o.ActorSystemConfig,
    };

    public async Task<RaftNode> StartNodeAsync(ulong id, IReadOnlyCollection<ulong> founders, bool join = false,
        Func<RaftNodeOptions, RaftNodeOptions>? adjust = null)
    {
        var options = Customize(id, OptionsFor(id, founders, join));
        if (adjust is not null) options = adjust(options);
        _starts[id] = ([.. founders], join);
        var service = new KeyValueTestService();
        var logs = new CapturingLoggerFactory();
        var extra = ExtraServices(id);
        var node = await RaftNode.StartAsync(options, [service, .. extra], logs);
        var events = Events.GetOrAdd(id, _ => new ConcurrentQueue<RaftEvent>());
        node.EventRaised += (_, e) => events.Enqueue(e);
        // Nodes started together (StartAsync) get here on different threads at once: plain dictionaries need the lock.
        lock (_starts)
        {
            ExtraServicesOf[id] = extra;
            Nodes[id] = node;
            Services[id] = service;
            Logs[id] = logs;
        }
        return node;
    }

    /// <summary>Starts a stopped or crashed node again: same id, port, data folder and founders, a fresh service.</summary>
    public async Task<RaftNode> RestartNodeAsync(ulong id)
    {
        if (Nodes.ContainsKey(id)) throw new InvalidOperationException($"node {id} is running");
        var (founders, join) = _starts[id];
        var node = await StartNodeAsync(id, founders, join);
        await node.WhenRecovered.WaitAsync(DefaultWait);
        return node;
    }

    public async Task<ulong> WaitForLeaderAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        while (DateTime.UtcNow < deadline)
        {
            var leaders = Nodes.Values.Where(n => n.IsLeader).ToArray();
            if (leaders.Length == 1 && Nodes.Values.All(n => n.Leader == leaders[0].NodeId)) return leaders[0].NodeId;
            await Task.Delay(20);
        }
        throw new TimeoutException("no single leader that every node agrees on: " + string.Join(", ", Nodes.Values.Select(n => $"{n.NodeId}:{n.Role}/{n.Leader}")));
    }

    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitUntilAsync(condition, () => what, timeout);

    /// <summary>As above; <paramref name="what"/> is asked at the deadline, so a timeout says what held then.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting until {what()}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until every running node's service holds exactly <paramref name="expected"/> (applied locally; no reads).</summary>
    public async Task WaitForAllToHoldAsync(IReadOnlyDictionary<string, string> expected, TimeSpan? timeout = null)
    {
        await WaitUntilAsync(() => Services.Where(s => Nodes.ContainsKey(s.Key)).All(s => s.Value.Holds(expected)),
            () => $"every node holds the {expected.Count} acknowledged writes (" + string.Join(", ", Services.Where(s => Nodes.ContainsKey(s.Key))
                .Select(s => $"node {s.Key}: {s.Value.Count} keys, {s.Value.Missing(expected)} missing or different, {Describe(s.Key)}")) + ")",
            timeout ?? DefaultWait);
    }

    /// <summary>A node's role, term, leader and indexes for a timeout message (waits at most 2 s for the status).</summary>
    public string Describe(ulong id)
    {
        try
        {
            var status = Nodes[id].GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
            var members = string.Join(" ", status.Members.Where(m => m.MatchIndex is not null).Select(m => $"{m.NodeId}@{m.MatchIndex}{(m.Reachable == false ? "(unreachable)" : "")}"));
            return $"{status.Role} of term {status.Term}, leader {status.Leader}, last {status.LastIndex}, commit {status.CommitIndex}, applied {status.AppliedIndex}"
                + (members.Length > 0 ? $", match {members}" : "");
        }
        catch (Exception ex) when (ex is TimeoutException or RaftNodeException or ObjectDisposedException)
        {
            return $"{Nodes[id].Role}, leader {Nodes[id].Leader}, status not answered ({ex.GetType().Name})";
        }
    }

    public static byte[] Set(string key, string value) => Encoding.UTF8.GetBytes($"set {key} {value}");

    /// <summary>
    /// Writes <paramref name="count"/> keys through <paramref name="via"/> (or the current leader), <paramref name="parallelism"/>
    /// at a time; records each acknowledged write in <paramref name="acknowledged"/>. Failed writes are retried
    /// while the deadline allows (a retried write may have applied already: it sets the same value, so it is harmless).
    /// </summary>
    public async Task WriteAsync(string prefix, int count, ConcurrentDictionary<string, string> acknowledged, int parallelism = 32,
        ulong? via = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        var next = -1;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var key = $"{prefix}{i}";
                var value = $"v{i}";
                while (true)
                {
                    var node = via is { } id ? Nodes[id] : Nodes.Values.FirstOrDefault(n => n.IsLeader) ?? Nodes.Values.First();
                    try
                    {
                        await node.ProposeAsync("kv", Set(key, value));
                        acknowledged[key] = value;
                        break;
                    }
                    catch (Exception ex) when (ex is RaftNodeException or ObjectDisposedException && DateTime.UtcNow < deadline)
                    {
                        await Task.Delay(20);
                    }
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(_ => Task.Run(Worker)));
    }

    public async Task StopNodeAsync(ulong id)
    {
        await Nodes[id].StopAsync();
        Nodes.Remove(id);
    }

    /// <summary>Kills a node without a graceful stop: no leadership hand-over, connections dropped.</summary>
    public async Task CrashNodeAsync(ulong id)
    {
        await Nodes[id].CrashAsync();
        Nodes.Remove(id);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Values) await node.CrashAsync();
        Nodes.Clear();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
