using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using RaftActors.Actors.Runtime;
using RaftActors.Actors.Tests.Transport;
using RaftActors.Actors.Transport;
using RaftActors.Messages;
using RaftActors.Persistence;
using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// One node's network side for the runtime transport tests: an actor system, a probe standing in for the
/// RaftActor, an in-memory journal, a temporary data folder and a started <see cref="NodeTransport"/> on
/// 127.0.0.1 with a free port. Forward payloads it receives are recorded, and echoed back reversed when asked.
/// </summary>
internal sealed class PeerTestNode : IAsyncDisposable
{
    private PeerTestNode(ulong id, TransportOptions options, long maxInboundSnapshotBytes, bool echoForwards)
    {
        Id = id;
        System = new ActorSystem($"node{id}");
        Raft = new TestProbe(System, $"raft{id}");
        DataDirectory = Directory.CreateTempSubdirectory($"raftactors-peer{id}-").FullName;
        Transport = new NodeTransport(options, PeerAddress.ParseListen("127.0.0.1:0"), Raft, DataDirectory, System, Journal,
            (from, payload) =>
            {
                var copy = payload.ToArray();
                Forwards.Enqueue((from, copy));
                if (echoForwards) Transport!.SendForward(from, [.. copy.Reverse()]);
                return ValueTask.CompletedTask;
            },
            Log, maxInboundSnapshotBytes: maxInboundSnapshotBytes);
        Transport.StartAsync().GetAwaiter().GetResult();
    }

    public ulong Id { get; }
    public ActorSystem System { get; }
    public TestProbe Raft { get; }
    public InMemoryJournal Journal { get; } = new();
    public string DataDirectory { get; }
    public NodeTransport Transport { get; }
    public RecordingLog Log { get; } = new();
    public ConcurrentQueue<(ulong From, byte[] Payload)> Forwards { get; } = new();
    public string Address => Transport.ListenAddress;

    /// <summary>Small chunks, so a test snapshot of a few hundred KiB travels in several of them.</summary>
    public static TransportOptions NodeOptions(ulong id) => TransportTestKit.Options(id) with
    {
        MaxFrameSize = 256 * 1024,
        SnapshotChunkSize = 64 * 1024,
    };

    public static PeerTestNode Start(ulong id, TransportOptions? options = null, long maxInboundSnapshotBytes = SnapshotStaging.DefaultMaxSnapshotBytes,
        bool echoForwards = false) =>
        new(id, options ?? NodeOptions(id), maxInboundSnapshotBytes, echoForwards);

    /// <summary>Stores a snapshot of <paramref name="size"/> pseudo-random bytes in the journal and returns the payload.</summary>
    public byte[] StoreSnapshot(ulong index, ulong term, int size, int seed = 1)
    {
        var payload = new byte[size];
        new Random(seed).NextBytes(payload);
        ((IJournal)Journal).SaveSnapshot(new SnapshotMetadata(index, term, new ConfState([1, 2, 3])), new MemoryStream(payload));
        return payload;
    }

    /// <summary>The Snapshot message the core would produce for the journal's snapshot: metadata only.</summary>
    public RaftMessage SnapshotMessage(ulong to, ulong index, ulong term) => new()
    {
        Type = MessageType.Snapshot, From = Id, To = to, Term = term,
        Snapshot = new Snapshot(new SnapshotMetadata(index, term, new ConfState([1, 2, 3]))),
    };

    /// <summary>Takes the next <paramref name="count"/> messages of the probe, whatever their order.</summary>
    public async Task<List<object>> TakeAsync(int count)
    {
        var taken = new List<object>();
        for (var i = 0; i < count; i++) taken.Add(await Raft.ExpectMsgAsync<object>(timeout: TransportTestKit.Deadline));
        return taken;
    }

    /// <summary>An address where nothing listens: a port that was free a moment ago.</summary>
    public static string ClosedAddress()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket.LocalEndPoint!.ToString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync();
        await System.DisposeAsync();
        Journal.Dispose();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
