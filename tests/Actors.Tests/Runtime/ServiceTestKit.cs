using System.Text;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using RaftActors.Persistence;
using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// A small key-value service: "set k v" stores and answers "index:k=v" (so two applications of the
/// same command answer differently), "fail" throws, Query "get k" answers the value ("" when unset),
/// and snapshots are "k=v" lines. Thread-safe so tests may look at it while the actor runs.
/// </summary>
internal sealed class KvService(string ns = "kv") : IService
{
    private readonly object _gate = new();
    private readonly SortedDictionary<string, string> _data = new(StringComparer.Ordinal);
    private int _applied;

    public string Namespace => ns;

    /// <summary>Makes WriteSnapshotAsync throw, to test a failing snapshot.</summary>
    public bool FailSnapshots { get; set; }

    /// <summary>How many commands Apply has run.</summary>
    public int AppliedCount { get { lock (_gate) return _applied; } }

    public IReadOnlyDictionary<string, string> Data { get { lock (_gate) return new Dictionary<string, string>(_data); } }

    public ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken) => new(request.ToArray());

    public byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command)
    {
        var parts = Encoding.UTF8.GetString(command).Split(' ', 3);
        if (parts[0] == "fail") throw new InvalidOperationException("the service was told to fail");
        if (parts is not ["set", var key, var value]) throw new InvalidOperationException($"bad command '{string.Join(' ', parts)}'");
        lock (_gate)
        {
            _data[key] = value;
            _applied++;
        }
        return Encoding.UTF8.GetBytes($"{context.Index}:{key}={value}");
    }

    public byte[] Query(ReadOnlySpan<byte> query)
    {
        var parts = Encoding.UTF8.GetString(query).Split(' ', 2);
        if (parts is not ["get", var key]) throw new ArgumentException($"bad query '{string.Join(' ', parts)}'");
        lock (_gate) return Encoding.UTF8.GetBytes(_data.GetValueOrDefault(key, ""));
    }

    public byte[] GetInit()
    {
        lock (_gate) return Encoding.UTF8.GetBytes(Text());
    }

    public async ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken)
    {
        if (FailSnapshots) throw new IOException("snapshot refused for the test");
        string text;
        lock (_gate) text = Text();
        await destination.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
    }

    public async ValueTask RestoreSnapshotAsync(Stream source, CancellationToken cancellationToken)
    {
        var text = await Support.KeyValueLines.ReadAllAsync(source, cancellationToken);
        lock (_gate)
        {
            Support.KeyValueLines.ParseInto(text, _data);
        }
    }

    private string Text() => string.Concat(_data.Select(p => $"{p.Key}={p.Value}\n"));
}

/// <summary>A ServiceActor in a real ActorSystem, with a probe standing in for the RaftActor.</summary>
internal sealed class ServiceHarness : IAsyncDisposable
{
    public const ulong LocalNode = 1;
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly string _staging = Path.Combine(Path.GetTempPath(), "raftactors-service-" + Guid.NewGuid().ToString("N"));

    public ServiceHarness()
    {
        System = new ActorSystem("service-test");
        Raft = new TestProbe(System, "raft");
    }

    public ActorSystem System { get; }
    public TestProbe Raft { get; }
    public RequestRegistry Registry { get; } = new(incarnation: 1);
    public InMemoryJournal Journal { get; } = new();
    public ServiceActorState State { get; private set; } = new();
    public IActorRef Actor { get; private set; } = null!;
    public string StagingDirectory => _staging;

    public IActorRef Start(IReadOnlyList<IService> services, ulong recoveryTarget = 0, ulong snapshotEvery = 0, int maxSessions = 100)
    {
        State = new ServiceActorState();
        var options = new ServiceActorOptions { StagingDirectory = _staging, SnapshotEvery = snapshotEvery, MaxSessions = maxSessions };
        Actor = System.ActorOf(ServiceActor.CreateProps(LocalNode, services, Registry, Raft, Journal, options, recoveryTarget, State));
        return Actor;
    }

    public void Apply(params Entry[] entries) =>
        Actor.Tell(new ApplyCommitted(entries.Select(e => new CommittedEntry(e, null)).ToArray()));

    public void Apply(params CommittedEntry[] entries) => Actor.Tell(new ApplyCommitted(entries));

    /// <summary>Registers a waiter for a new request id.</summary>
    public (ulong Id, Task<byte[]> Reply) Waiter()
    {
        var id = Registry.NextId();
        return (id, Registry.Register(id).Task);
    }

    public Task<byte[]> Query(string query, ulong atIndex = 0, string ns = "kv")
    {
        var completion = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        Actor.Tell(new ServiceQuery(ns, Encoding.UTF8.GetBytes(query), atIndex, completion));
        return completion.Task;
    }

    /// <summary>Waits until every message told to the actor before this call has been handled.</summary>
    public async Task Settle() => await Query("get -", 0).WaitAsync(Deadline);

    public async ValueTask DisposeAsync()
    {
        await System.DisposeAsync();
        Journal.Dispose();
        if (Directory.Exists(_staging)) Directory.Delete(_staging, recursive: true);
    }

    public static Entry Set(ulong index, string key, string value, ulong requestId = 0, ulong origin = LocalNode,
        ulong client = 0, ulong sequence = 0, ulong term = 1, string ns = "kv") =>
        Command(index, $"set {key} {value}", requestId, origin, client, sequence, term, ns);

    public static Entry Command(ulong index, string text, ulong requestId = 0, ulong origin = LocalNode,
        ulong client = 0, ulong sequence = 0, ulong term = 1, string ns = "kv") =>
        new(term, index, EntryType.Normal,
            new CommandEnvelope(ns, origin, requestId, client, sequence, Encoding.UTF8.GetBytes(text)).Encode());

    public static Entry NoOp(ulong index, ulong term = 1) => new(term, index);

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
