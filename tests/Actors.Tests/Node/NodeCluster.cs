using System.Net;
using System.Net.Sockets;
using System.Text;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// Real nodes in this process: TCP on 127.0.0.1, SQLite journals in a temporary folder (deleted on
/// dispose). Waits poll with deadlines; nothing sleeps for correctness.
/// </summary>
internal sealed class NodeCluster : IAsyncDisposable
{
    public const string Secret = "test-cluster-secret-0123456789";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "raftactors-node-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<ulong, int> _ports = [];

    public Dictionary<ulong, RaftNode> Nodes { get; } = [];
    public Dictionary<ulong, KeyValueTestService> Services { get; } = [];
    public Func<ulong, RaftNodeOptions, RaftNodeOptions> Customize { get; set; } = (_, o) => o;

    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public string Address(ulong id) => $"127.0.0.1:{_ports[id]}";

    public async Task StartAsync(params ulong[] ids)
    {
        foreach (var id in ids) _ports.TryAdd(id, FreePort());
        await Task.WhenAll(ids.Select(id => StartNodeAsync(id, ids)));
    }

    public async Task<RaftNode> StartNodeAsync(ulong id, IReadOnlyCollection<ulong> founders, bool join = false)
    {
        _ports.TryAdd(id, FreePort());
        var options = new RaftNodeOptions
        {
            NodeId = id, ListenAddress = Address(id), DataDirectory = Path.Combine(_root, $"node-{id}"),
            ClusterId = "test", Secret = Secret, TickInterval = TimeSpan.FromMilliseconds(20), Join = join,
            Peers = founders.Where(f => f != id).ToDictionary(f => f, Address),
            RequestTimeout = TimeSpan.FromSeconds(10),
        };
        var service = new KeyValueTestService();
        var node = await RaftNode.StartAsync(Customize(id, options), [service]);
        Nodes[id] = node;
        Services[id] = service;
        return node;
    }

    public async Task<ulong> WaitForLeaderAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            var leaders = Nodes.Values.Where(n => n.IsLeader).ToArray();
            if (leaders.Length == 1 && Nodes.Values.All(n => n.Leader == leaders[0].NodeId)) return leaders[0].NodeId;
            await Task.Delay(20);
        }
        throw new TimeoutException("no single leader that every node agrees on: " + string.Join(", ", Nodes.Values.Select(n => $"{n.NodeId}:{n.Role}/{n.Leader}")));
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    public static byte[] Set(string key, string value) => Encoding.UTF8.GetBytes($"set {key} {value}");

    public async Task StopNodeAsync(ulong id)
    {
        await Nodes[id].StopAsync();
        Nodes.Remove(id);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Values) await node.DisposeAsync();
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
