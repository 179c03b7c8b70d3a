using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// Base of the ServiceActor tests. Each <see cref="Start"/> creates a ServiceActor as a child of the test actor,
/// under a strategy that stops it on any failure and keeps the cause (as the node's guardian does), watched by the
/// test actor; a probe standing in for the RaftActor sends it <see cref="RecoverServices"/>, so it is the probe that
/// receives <see cref="ServiceSnapshotTaken"/>.
/// </summary>
public abstract class ServiceActorTestKit : Akka.TestKit.Xunit2.TestKit
{
    public const ulong LocalNode = 1;

    /// <summary>Why the tests that need a snapshot written or restored asynchronously are skipped until src/ is fixed.</summary>

    /// <summary>How long a test waits for a task: generous, the machine is shared.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static readonly Config Configuration = ConfigurationFactory.ParseString("akka.test.single-expect-default = 10s");

    private readonly string _root = Path.Combine(Path.GetTempPath(), "raftactors-service-" + Guid.NewGuid().ToString("N"));
    private int _nodes;

    protected ServiceActorTestKit(ITestOutputHelper output)
        : base(Configuration, output: output)
    {
    }

    /// <summary>
    /// Starts a ServiceActor for <paramref name="services"/> and, unless <paramref name="recover"/> is false, recovers
    /// it from <paramref name="snapshot"/> (the payload at <paramref name="snapshotPath"/>) up to <paramref name="recoveryTarget"/>.
    /// </summary>
    private protected ServiceNode Start(IReadOnlyList<IService> services, ulong recoveryTarget = 0, ulong snapshotEvery = 0, int maxSessions = 100,
        SnapshotMetadata? snapshot = null, string? snapshotPath = null, bool recover = true)
    {
        var staging = Path.Combine(_root, $"node-{++_nodes}");
        var options = new ServiceActorOptions { StagingDirectory = staging, SnapshotEvery = snapshotEvery, MaxSessions = maxSessions };
        var registry = new RequestRegistry();
        var state = new ServiceActorState();
        var props = ServiceActor.CreateProps(LocalNode, services, registry, options, state);
        var failures = new ConcurrentQueue<Exception>();
        var actor = ChildActorOf(props, new OneForOneStrategy(cause =>
        {
            failures.Enqueue(cause);
            return Directive.Stop;
        }));
        Watch(actor);
        var node = new ServiceNode(actor, CreateTestProbe(), registry, state, staging, failures);
        if (recover) node.Recover(snapshot, snapshotPath, recoveryTarget);
        return node;
    }

    /// <summary>Waits until the node's ServiceActor stopped after a failure and returns the fail-stop its supervisor saw.</summary>
    private protected async Task<ActorFailStopException> ExpectFailStopAsync(ServiceNode node)
    {
        await ExpectTerminatedAsync(node.Actor);
        Assert.True(node.Failures.TryDequeue(out var cause), "the ServiceActor stopped without a failure");
        return Assert.IsType<ActorFailStopException>(cause);
    }

    /// <summary>A path for a file of the test, in a folder deleted when the test ends.</summary>
    protected string TempFile(string name)
    {
        Directory.CreateDirectory(_root);
        return Path.Combine(_root, name);
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
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

/// <summary>One ServiceActor under test and what surrounds it on a node: the RaftActor's probe, the waiting requests, the shared state.</summary>
internal sealed class ServiceNode(IActorRef actor, TestProbe raft, RequestRegistry registry, ServiceActorState state, string stagingDirectory,
    ConcurrentQueue<Exception> failures)
{
    public IActorRef Actor { get; } = actor;

    /// <summary>Stands in for the RaftActor: it sent RecoverServices, so snapshots are reported to it.</summary>
    public TestProbe Raft { get; } = raft;

    public RequestRegistry Registry { get; } = registry;

    public ServiceActorState State { get; } = state;

    public string StagingDirectory { get; } = stagingDirectory;

    /// <summary>What the supervisor was told when the actor failed.</summary>
    public ConcurrentQueue<Exception> Failures { get; } = failures;

    public void Recover(SnapshotMetadata? snapshot = null, string? snapshotPath = null, ulong recoveryTarget = 0) =>
        Raft.Send(Actor, new RecoverServices(snapshot, snapshotPath, recoveryTarget));

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

    /// <summary>Queries as one ReadIndex round's batch, to run at <paramref name="atIndex"/>.</summary>
    public Task<byte[]>[] RoundQueries(ulong atIndex, params string[] queries)
    {
        var batch = queries.Select(q => new ServiceQuery("kv", Encoding.UTF8.GetBytes(q), 0,
            new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously))).ToArray();
        Actor.Tell(new ServiceQueries(atIndex, batch));
        return [.. batch.Select(q => q.Completion.Task)];
    }

    /// <summary>Waits until every message told to the actor before this call has been handled.</summary>
    public async Task Settle() => await Query("get -", 0).WaitAsync(ServiceActorTestKit.Deadline);
}
