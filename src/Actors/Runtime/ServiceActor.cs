using Akka.Actor;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RaftActors.Messages;

// Awaits in an actor's handlers resume on the actor's own task scheduler (Akka's ActorTaskScheduler): a
// ConfigureAwait(false) would resume outside the actor, without its Self, Sender and Context.
#pragma warning disable CA2007

namespace RaftActors.Actors.Runtime;

/// <summary>
/// Applies committed entries to the node's services, in log order, one at a time: it is the only
/// caller of <see cref="IService.Apply"/>, <see cref="IService.Query"/>, <see cref="IService.GetInit"/>
/// and the snapshot hooks, so those never run concurrently. It completes the waiting client requests,
/// keeps the exactly-once session table, writes a snapshot every N applied entries for the RaftActor
/// to store, restores snapshots, and serves reads once their index is applied.
/// <para>
/// Failures stop it for good (fail-stop): its state lives in the services, not in the journal, so a
/// fresh instance could not rebuild what the failed one had applied; and a service that threw in
/// Apply must not let this node go on and diverge from the others.
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "An actor's end is PostStop, which disposes it")]
internal sealed partial class ServiceActor : ReceiveActor, IWithUnboundedStash
{
    private readonly ulong _nodeId;
    private readonly IService[] _services;
    private readonly Dictionary<string, IService> _byNamespace;
    private readonly Dictionary<string, IService>.AlternateLookup<ReadOnlySpan<char>> _byNamespaceChars;
    private readonly RequestRegistry _registry;
    private readonly ServiceActorOptions _options;
    private IActorRef _raftActor = ActorRefs.Nobody;
    private ulong _recoveryTarget;
    private readonly ServiceActorState _state;
    private readonly ILogger _log;
    private readonly List<ServiceQuery> _waitingQueries = [];
    private SessionTable _sessions;
    private ulong _applied;
    private ulong _appliedTerm;
    private ulong _snapshotBase;
    private ConfState _confState = ConfState.Empty;
    // The members' addresses as of _applied, from the membership entries (and the snapshot) alone: the next snapshot records them.
    private SortedDictionary<ulong, string> _addresses = [];
    private Exception? _failure;

    /// <param name="localNodeId">This node: entries it proposed complete their waiter here.</param>
    /// <param name="services">The services, with unique namespaces.</param>
    /// <param name="registry">The client requests waiting for their entry to be applied.</param>
    /// <param name="options">Snapshot interval, staging directory, session limit.</param>
    /// <param name="state">Shared with the node: the recovery signal and the applied index.</param>
    /// <param name="logger">Where problems are reported; none when omitted.</param>
    public ServiceActor(ulong localNodeId, IReadOnlyList<IService> services, RequestRegistry registry, ServiceActorOptions options,
        ServiceActorState state, ILogger? logger = null)
    {
        Validate(services, options);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(state);
        _nodeId = localNodeId;
        _services = [.. services.OrderBy(s => s.Namespace, StringComparer.Ordinal)];
        _byNamespace = _services.ToDictionary(s => s.Namespace, StringComparer.Ordinal);
        _byNamespaceChars = _byNamespace.GetAlternateLookup<ReadOnlySpan<char>>();
        _registry = registry;
        _options = options;
        _state = state;
        _log = logger ?? NullLogger.Instance;
        _sessions = new SessionTable(options.MaxSessions);
        // Until the RaftActor has recovered and says from which snapshot to start, nothing can be applied.
        ReceiveAsync<RecoverServices>(OnRecoverAsync);
        ReceiveAny(_ => Stash.Stash());
    }

    public IStash Stash { get; set; } = null!;

    /// <summary>The props of a ServiceActor. Checks the arguments now, so a bad configuration fails in the caller rather than inside the actor.</summary>
    public static Props CreateProps(ulong localNodeId, IReadOnlyList<IService> services, RequestRegistry registry, ServiceActorOptions options,
        ServiceActorState state, ILogger? logger = null)
    {
        Validate(services, options);
        return Props.Create(() => new ServiceActor(localNodeId, services, registry, options, state, logger));
    }

    /// <summary>Checks that every service has a well-formed namespace and no two share one.</summary>
    public static void Validate(IReadOnlyList<IService> services, ServiceActorOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            if (service is null) throw new ArgumentException("the list of services holds a null", nameof(services));
            var ns = service.Namespace;
            if (!IsValidNamespace(ns))
            {
                throw new ArgumentException($"the namespace '{ns}' of {service.GetType().Name} is not 1 to 64 letters, digits, '-', '_' or '.'", nameof(services));
            }
            if (!seen.Add(ns)) throw new ArgumentException($"two services have the namespace '{ns}'", nameof(services));
        }
    }

    private static bool IsValidNamespace(string? ns) =>
        ns is { Length: > 0 and <= CommandEnvelope.MaxNamespaceBytes }
        && ns.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private async Task OnRecoverAsync(RecoverServices recover)
    {
        _raftActor = Sender;
        _recoveryTarget = recover.RecoveryTarget;
        await Guard(() => RecoverAsync(recover));
        Become(Serving);
        Stash.UnstashAll();
    }

    private void Serving()
    {
        ReceiveAsync<ApplyCommitted>(apply => Guard(() => OnApplyCommittedAsync(apply)));
        ReceiveAsync<RestoreServiceSnapshot>(restore => Guard(() => OnRestoreSnapshotAsync(restore)));
        ReceiveAsync<TakeSnapshotNow>(_ => Guard(() => _applied > _snapshotBase ? TakeSnapshotAsync() : Task.CompletedTask));
        ReceiveAsync<SnapshotFileWritten>(written => Guard(() => OnSnapshotFileWritten(written)));
        Receive<ServiceQuery>(OnQuery);
        Receive<ServiceQueries>(OnQueries);
        Receive<ServiceInitRequest>(OnInit);
    }

    /// <summary>
    /// Any failure while applying or restoring leaves the services in an unknown state: it stops the actor
    /// (the node's guardian does not restart it), and the reason is kept for the waiting callers.
    /// </summary>
    private async Task Guard(Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (ActorFailStopException ex)
        {
            _failure = ex;
            ServiceActorLog.FailStop(_log, _nodeId, ex.Message, ex.InnerException);
            throw;
        }
        catch (Exception ex)
        {
            var stop = new ActorFailStopException($"node {_nodeId}: the ServiceActor failed unexpectedly: {ex.Message}", ex);
            _failure = stop;
            ServiceActorLog.FailStop(_log, _nodeId, stop.Message, ex);
            throw stop;
        }
    }

    protected override void PostStop()
    {
        // A snapshot being written is abandoned (its file deleted); the stored one stays in force.
        _stopping.Cancel();
        _stopping.Dispose();
        var message = $"node {_nodeId}: the services stopped";
        var stopped = _failure is null
            ? new RaftNodeException(RaftErrorCode.Stopped, message)
            : new RaftNodeException(RaftErrorCode.Stopped, $"{message}: {_failure.Message}", _failure);
        _state.FailRecovery(_failure ?? stopped);
        foreach (var query in _waitingQueries) query.Completion.TrySetException(stopped);
        _waitingQueries.Clear();
        // Nothing will apply the entries these requests wait for any more.
        _registry.FailAll(stopped);
    }

    /// <summary>Restores the snapshot the RaftActor recovered, if any, before the first entry is applied.</summary>
    private async Task RecoverAsync(RecoverServices recover)
    {
        if (recover.Metadata is { } meta && recover.PayloadPath is { } path)
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileBufferSize, FileOptions.Asynchronous);
            await using (file)
            {
                await RestoreAsync(file, $"'{path}' at index {meta.Index}", meta, "restoring the stored snapshot");
            }
        }
        Publish();
    }

    /// <summary>Publishes the applied index and completes recovery once the target is reached.</summary>
    private void Publish() => _state.Publish(_applied, _recoveryTarget);
}
