using Akka.Actor;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using RaftActors.Actors;
using RaftActors.Messages;
using RaftActors.Node.Bench;

// End-to-end figures of a 3-node cluster in this process: TCP on 127.0.0.1, SQLite journals
// (WAL, synchronous=FULL) in a temporary folder, default timings. Each scenario runs its proposers
// (each one proposal at a time) for a warm-up, then for the measured duration. Baselines in the same
// run make the figures comparable across machines: one durable SQLite write of one entry, and a
// standalone one-voter node (same runtime, no network round trip).
//   dotnet run -c Release --project bench/Node.Bench -- [--seconds 10] [--warmup 2] [--payload 128] [--alloc-types] [--only raw|standalone|cluster|reads]
var seconds = Arg("--seconds", 10);
var warmUp = TimeSpan.FromSeconds(Arg("--warmup", 2));
var duration = TimeSpan.FromSeconds(seconds);
var payloadSize = Arg("--payload", 128);
using var sampler = args.Contains("--alloc-types") ? new AllocationSampler() : null;
Measurement.Sampler = sampler;
var only = Array.IndexOf(args, "--only") is var o and >= 0 && o + 1 < args.Length ? args[o + 1] : null;
var root = Path.Combine(Path.GetTempPath(), "raftactors-node-bench-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(root);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RaftActors node benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {seconds} s per scenario after {warmUp.TotalSeconds} s warm-up, {payloadSize}-byte payloads, data in {root}"));
var results = new List<(Measurement Result, Measurement? Baseline)>();
try
{
    Measurement? save = null;
    if (only is null or "raw")
    {
        save = await RawSaveAsync(Path.Combine(root, "raw"), duration, warmUp, payloadSize);
        results.Add((save, null));
        Report(results[^1]);
    }

    Measurement? standalone1 = null;
    Measurement? standalone64 = null;
    if (only is null or "standalone")
    {
        await using var single = await BenchCluster.StartAsync(Path.Combine(root, "standalone"), 1);
        standalone1 = await single.MeasureAsync("standalone node (1 voter), SQLite", 1, warmUp, duration, payloadSize);
        results.Add((standalone1, save));
        Report(results[^1]);
        standalone64 = await single.MeasureAsync("standalone node (1 voter), SQLite", 64, warmUp, duration, payloadSize);
        results.Add((standalone64, standalone1));
        Report(results[^1]);
    }

    if (only is null or "cluster")
    {
        await using var cluster = await BenchCluster.StartAsync(Path.Combine(root, "cluster"), 3);
        const string name = "3 nodes, TCP + SQLite, via leader";
        results.Add((await cluster.MeasureAsync(name, 1, warmUp, duration, payloadSize), standalone1));
        Report(results[^1]);
        results.Add((await cluster.MeasureAsync(name, 64, warmUp, duration, payloadSize), standalone64));
        Report(results[^1]);
        results.Add((await cluster.MeasureAsync("3 nodes, TCP + SQLite, via a follower", 64, warmUp, duration, payloadSize, viaFollower: true), standalone64));
        Report(results[^1]);
    }

    if (only is null or "cluster" or "reads")
    {
        await using var cluster = await BenchCluster.StartAsync(Path.Combine(root, "reads"), 3);
        // Compared with the 64 writers on the leader, when they ran: a read costs a heartbeat round shared with the
        // other reads, not a write.
        var writes = results.Select(r => r.Result).LastOrDefault(r => r.Scenario.EndsWith("via leader", StringComparison.Ordinal) && r.Concurrency == 64);
        results.Add((await cluster.MeasureReadsAsync("3 nodes, linearizable reads on the leader", 64, warmUp, duration), writes));
        Report(results[^1]);
        results.Add((await cluster.MeasureReadsAsync("3 nodes, linearizable reads on a follower", 64, warmUp, duration, viaFollower: true), writes));
        Report(results[^1]);
    }

    Console.WriteLine();
    Console.WriteLine(Measurement.Header);
    foreach (var (result, baseline) in results) Console.WriteLine(result.Row(baseline));
}
finally
{
    try
    {
        Directory.Delete(root, recursive: true);
    }
    catch (IOException)
    {
    }
}

static void Report((Measurement Result, Measurement? Baseline) row)
{
    Console.WriteLine(row.Result.Row(row.Baseline));
    if (row.Result.AllocationTypes is { } types) Console.Write(types);
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

// The floor under every proposal: one durable write of one event through the node's journal plugin
// (the project's SQLite plugin for Akka.Persistence: one transaction, fsync), from a persistent actor.
static async Task<Measurement> RawSaveAsync(string folder, TimeSpan duration, TimeSpan warmUp, int payloadSize)
{
    Directory.CreateDirectory(folder);
    var path = Path.Combine(folder, "journal.db").Replace("\\", "/", StringComparison.Ordinal);
    var config = Akka.Configuration.ConfigurationFactory.ParseString($"""
        akka.loglevel = ERROR
        akka.persistence.journal.plugin = "akka.persistence.journal.raft-sqlite"
        akka.persistence.journal.raft-sqlite.path = "{path}"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.raft-sqlite"
        akka.persistence.snapshot-store.raft-sqlite.path = "{path}.snapshots"
        """).WithFallback(RaftActors.Persistence.Plugin.RaftSqlitePersistence.DefaultConfiguration());
    using var system = Akka.Actor.ActorSystem.Create("bench", config);
    var writer = system.ActorOf(Akka.Actor.Props.Create(() => new RawWriter()), "writer");
    var payload = new byte[payloadSize];
    try
    {
        return await Measurement.RunAsync("raw persist of 1 event (SQLite plugin)", 1, warmUp, duration,
            _ => writer.Ask<bool>(payload, TimeSpan.FromSeconds(10)), _ => false);
    }
    finally
    {
        await system.Terminate();
    }
}

/// <summary>Nodes of one cluster in this process, on free loopback ports, with SQLite journals under one folder.</summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private readonly List<RaftNode> _nodes = [];

    public static async Task<BenchCluster> StartAsync(string folder, int size)
    {
        var ports = Enumerable.Range(1, size).ToDictionary(i => (ulong)i, _ => FreePort());
        var cluster = new BenchCluster();
        var nodes = await Task.WhenAll(ports.Keys.Select(id => RaftNode.StartAsync(new RaftNodeOptions
        {
            NodeId = id, ListenAddress = $"127.0.0.1:{ports[id]}", DataDirectory = Path.Combine(folder, $"node-{id}"),
            ClusterId = "bench", Secret = "bench-cluster-secret-0123456789",
            Peers = ports.Where(p => p.Key != id).ToDictionary(p => p.Key, p => $"127.0.0.1:{p.Value}"),
        }, [new BenchService()])));
        cluster._nodes.AddRange(nodes);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(cluster._nodes.Count(n => n.IsLeader) == 1 && cluster._nodes.All(n => n.Leader == cluster.Leader.NodeId)))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no leader elected within 30 s");
            await Task.Delay(20);
        }
        return cluster;
    }

    private RaftNode Leader => _nodes.Single(n => n.IsLeader);

    public Task<Measurement> MeasureAsync(string name, int proposers, TimeSpan warmUp, TimeSpan duration, int payloadSize, bool viaFollower = false)
    {
        var target = viaFollower ? _nodes.First(n => !n.IsLeader) : Leader;
        return Measurement.RunAsync(name, proposers, warmUp, duration, sequence =>
        {
            var request = new byte[payloadSize];
            BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)sequence);
            return target.ProposeAsync("bench", request);
        }, ex => ex is RaftNodeException);
    }

    /// <summary>Linearizable queries of the bench service (a slot chosen by each read's sequence).</summary>
    public Task<Measurement> MeasureReadsAsync(string name, int readers, TimeSpan warmUp, TimeSpan duration, bool viaFollower = false)
    {
        var target = viaFollower ? _nodes.First(n => !n.IsLeader) : Leader;
        return Measurement.RunAsync(name, readers, warmUp, duration, sequence =>
        {
            var query = new byte[sizeof(uint)];
            BinaryPrimitives.WriteUInt32LittleEndian(query, (uint)sequence);
            return target.QueryAsync("bench", query);
        }, ex => ex is RaftNodeException);
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }
}

/// <summary>Persists each byte array it is sent and answers once it is durable.</summary>
internal sealed class RawWriter : Akka.Persistence.ReceivePersistentActor
{
    public RawWriter() => Command<byte[]>(bytes => Persist(bytes, _ => Sender.Tell(true)));

    public override string PersistenceId => "bench-raw-writer";
}
