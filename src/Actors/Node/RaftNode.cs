using Akka.Actor;
using Microsoft.Extensions.Logging;
using RaftActors.Actors.Runtime;
using RaftActors.Core;
using RaftActors.Messages;

namespace RaftActors.Actors;

/// <summary>How fresh a read must be.</summary>
public enum ReadConsistency
{
    /// <summary>Reflects every write acknowledged before the read began (ReadIndex, Raft thesis §6.4). The default.</summary>
    Linearizable,
    /// <summary>The local copy as it is now: fast, possibly behind the leader.</summary>
    Stale,
}

/// <summary>Per-request settings: an exactly-once client session and a deadline.</summary>
public sealed record RequestOptions
{
    /// <summary>A client's id (non-zero) for exactly-once sessions; 0 = no session.</summary>
    public ulong ClientId { get; init; }

    /// <summary>The client's request number, starting at 1 and growing; a retry repeats it and gets the first answer.</summary>
    public ulong Sequence { get; init; }

    /// <summary>Overrides <see cref="RaftNodeOptions.RequestTimeout"/>.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// A running Raft node embedded in the caller's process: its journal, its actors, its TCP listener.
/// Every method is thread-safe. Requests to a follower are forwarded to the leader and answered with
/// the leader's applied result.
/// <code>
/// await using var node = await RaftNode.StartAsync(new RaftNodeOptions { NodeId = 1, ListenAddress = "127.0.0.1:7001",
///     DataDirectory = "data/1", ClusterId = "demo", Secret = "a-secret-of-16-bytes+" }, [new MyService()]);
/// byte[] reply = await node.ProposeAsync("my-service", request);
/// </code>
/// </summary>
public sealed partial class RaftNode : IRaftClient, IAsyncDisposable
{
    private readonly RaftNodeOptions _options;
    private readonly IReadOnlyDictionary<string, IService> _services;
    private readonly NodeRuntime _runtime;
    private readonly ILogger _log;
    private int _stopped;

    private readonly NodeSettings _node;

    private RaftNode(RaftNodeOptions options, IReadOnlyDictionary<string, IService> services, NodeRuntime runtime, ILogger log, NodeSettings node)
    {
        _node = node;
        _options = options;
        _services = services;
        _runtime = runtime;
        _log = log;
    }

    public ulong NodeId => _options.NodeId;

    /// <summary>The node's root actor (<c>/user/raft-{id}</c>): the parent of its RaftActor, ServiceActor and inbox.</summary>
    public IActorRef RootActor => _runtime.Guardian;

    /// <summary>Frames from the peer port this node dropped: forged, replayed, misdirected, foreign-cluster or malformed.</summary>
    public long DroppedPeerFrames => _node.DroppedFrames;

    internal Remote.PeerAuthenticator Authenticator => _node.Authenticator;

    /// <summary>ReadIndex rounds this node asked for (see <see cref="Runtime.NodeState.ReadRounds"/>).</summary>
    internal long ReadRounds => _runtime.State.ReadRounds;

    /// <summary>Batches in which this node's proposals entered the core (see <see cref="Runtime.NodeState.ProposalBatches"/>).</summary>
    internal long ProposalBatches => _runtime.State.ProposalBatches;

    /// <summary>The ActorSystem this node runs in (its own, or the one it was started in).</summary>
    public ActorSystem ActorSystem => _node.System;

    /// <summary>The address peers reach this node at (the bound port when the options asked for port 0).</summary>
    public string PeerAddress => _runtime.AdvertisedAddress;

    /// <summary>The leader this node knows of, or 0.</summary>
    public ulong Leader => _runtime.State.Leader;

    public StateRole Role => _runtime.State.Role;

    public bool IsLeader => _runtime.State.Role == StateRole.Leader;

    /// <summary>Completes once the services have re-applied everything committed before the start.</summary>
    public Task WhenRecovered => _runtime.Recovered;

    /// <summary>Completes when the node stops; faults if it stopped itself (fail-stop after a journal failure).</summary>
    public Task Completion => _runtime.Completion;

    /// <summary>Raised for role, leader, membership and reachability changes, on a background thread, in order.</summary>
    public event EventHandler<RaftEvent>? EventRaised
    {
        add => _runtime.Events.Handlers += value;
        remove => _runtime.Events.Handlers -= value;
    }

    /// <summary>
    /// Proposes <paramref name="request"/> to the service of <paramref name="ns"/>: the leader's prepare hook
    /// turns it into a command, which is replicated, committed and applied on every node. Returns the applied
    /// result. Fails with <see cref="RaftNodeException"/> saying why (no leader, rejected, overloaded, timeout...).
    /// </summary>
    public Task<byte[]> ProposeAsync(string ns, byte[] request, RequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(request);
        if (!_services.ContainsKey(ns)) throw new RaftNodeException(RaftErrorCode.NotFound, $"no service has the namespace '{ns}'");
        CheckProposalSize(request.Length);
        options ??= new RequestOptions();
        if (options.ClientId != 0 && options.Sequence == 0)
        {
            throw new RaftNodeException(RaftErrorCode.BadRequest, "a request with a client id needs a sequence number starting at 1");
        }
        var forward = new ForwardRequest(0, ForwardOperation.Propose, ns, request, options.ClientId, options.Sequence, 0);
        return RouteAsync(forward, options.Timeout, ProposeLocalAsync, cancellationToken);
    }

    /// <summary>Answers <paramref name="query"/> from the service of <paramref name="ns"/>, linearizably unless asked otherwise.</summary>
    public async Task<byte[]> QueryAsync(string ns, byte[] query, ReadConsistency consistency = ReadConsistency.Linearizable,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!_services.ContainsKey(ns)) throw new RaftNodeException(RaftErrorCode.NotFound, $"no service has the namespace '{ns}'");
        using var deadline = Deadline(timeout, cancellationToken);
        if (consistency != ReadConsistency.Linearizable)
        {
            var stale = NewCompletion<byte[]>();
            _runtime.ServiceActor.Tell(new ServiceQuery(ns, query, 0, stale));
            return await Await(stale.Task, "the read", deadline.Token).ConfigureAwait(false);
        }
        try
        {
            return await LinearizableQueryAsync(ns, query, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The deadline ran out (no leader confirmed the read, or the service had not applied its index): a timeout
            // like any other, not the caller's cancellation.
            if (_runtime.Completion.IsCompleted) throw new RaftNodeException(RaftErrorCode.Stopped, $"node {NodeId} has stopped");
            throw new RaftNodeException(RaftErrorCode.Timeout, "the read did not complete in time: no leader confirmed it, or this node had not applied its index");
        }
    }

    /// <summary>
    /// A query behind a ReadIndex round (§6.4). The RaftActor hands it to the ServiceActor with the index its round
    /// confirmed, so it completes with the service's answer in one hand-off from the round.
    /// </summary>
    private Task<byte[]> LinearizableQueryAsync(string ns, byte[] query, CancellationToken cancellationToken) =>
        AwaitReadRoundAsync<byte[]>(completion => new LinearizableQuery(new ServiceQuery(ns, query, 0, completion)), cancellationToken);

    /// <summary>
    /// Waits until this node's services have applied everything committed before the call, as confirmed by
    /// the leader (a linearizable read barrier: local reads after it see every write acknowledged before
    /// it). Returns the index that was reached.
    /// </summary>
    public async Task<ulong> ReadBarrierAsync(CancellationToken cancellationToken = default)
    {
        using var deadline = Deadline(null, cancellationToken);
        try
        {
            var index = await ReadIndexAsync(deadline.Token).ConfigureAwait(false);
            while (_runtime.ServiceState.AppliedIndex < index)
            {
                await Task.Delay(_options.TickInterval, _options.TimeProvider, deadline.Token).ConfigureAwait(false);
            }
            return index;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            if (_runtime.Completion.IsCompleted) throw new RaftNodeException(RaftErrorCode.Stopped, $"node {NodeId} has stopped");
            throw new RaftNodeException(RaftErrorCode.Timeout, "the read barrier did not complete in time");
        }
    }

    /// <summary>The ReadIndex round (§6.4): the commit index a quorum confirmed this leader holds.</summary>
    private Task<ulong> ReadIndexAsync(CancellationToken cancellationToken) =>
        AwaitReadRoundAsync<ulong>(completion => new ReadIndexRequest(completion), cancellationToken);

    /// <summary>
    /// Joins the next ReadIndex round with the read <paramref name="request"/> makes around its completion, and waits
    /// for it, retried across elections. The RaftActor asks a round again when its answer is lost, so the read waits
    /// for its deadline alone.
    /// </summary>
    private async Task<T> AwaitReadRoundAsync<T>(Func<TaskCompletionSource<T>, object> request, CancellationToken cancellationToken)
    {
        while (true)
        {
            var completion = NewCompletion<T>();
            _runtime.RaftActor.Tell(request(completion));
            try
            {
                return await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The RaftActor drops rounds whose reads all completed, and the ServiceActor skips their queries: a read
                // given up on counts as completed.
                completion.TrySetCanceled(CancellationToken.None);
                throw;
            }
            catch (RaftNodeException ex) when (ex.Code is RaftErrorCode.NoLeader or RaftErrorCode.LeadershipLost)
            {
                await WaitForLeaderAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The node's view of itself and of the members.</summary>
    public async Task<NodeStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var completion = NewCompletion<NodeStatus>();
        _runtime.RaftActor.Tell(new StatusRequest(completion));
        using var deadline = Deadline(null, cancellationToken);
        return await Await(completion.Task, "the status request", deadline.Token).ConfigureAwait(false);
    }

    /// <summary>Hands leadership to <paramref name="target"/> (a voter); completes once it leads.</summary>
    public Task TransferLeadershipAsync(ulong target, CancellationToken cancellationToken = default) =>
        RouteAsync(new ForwardRequest(0, ForwardOperation.TransferLeadership, "", [], 0, 0, target), null, TransferLocalAsync, cancellationToken);

    /// <summary>Stops the node. A leader first hands leadership to the most up-to-date voter, so the cluster does not wait for an election.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        if (IsLeader && !_runtime.Completion.IsCompleted)
        {
            await HandOverLeadershipAsync(cancellationToken).ConfigureAwait(false);
        }
        await _runtime.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>
    /// Stops at once, as a crash would: no leadership hand-over, connections dropped mid-flight. What was
    /// acknowledged is durable already (every write is synchronous), which is what tests of it prove.
    /// </summary>
    internal async ValueTask CrashAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _runtime.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandOverLeadershipAsync(CancellationToken cancellationToken)
    {
        try
        {
            var status = await GetStatusAsync(cancellationToken).ConfigureAwait(false);
            var successor = status.Members.Where(m => m.IsVoter && m.NodeId != NodeId && m.Reachable != false)
                .OrderByDescending(m => m.MatchIndex ?? 0).FirstOrDefault();
            if (successor is null) return;
            using var deadline = Deadline(_options.LeaderTransferTimeout, cancellationToken);
            await TransferLocalAsync(new ForwardRequest(0, ForwardOperation.TransferLeadership, "", [], 0, 0, successor.NodeId), deadline.Token)
                .ConfigureAwait(false);
            NodeLog.HandedOver(_log, NodeId, successor.NodeId);
        }
        catch (Exception ex) when (ex is RaftNodeException or OperationCanceledException)
        {
            NodeLog.HandOverFailed(_log, NodeId, ex.Message);
        }
    }

    /// <summary>The largest proposal this node takes: it must fit one peer frame (see <see cref="RaftNodeOptions.MaxProposalBytes"/>).</summary>
    public long MaxProposalBytes => _options.MaxProposalBytes;

    private void CheckProposalSize(long bytes)
    {
        if (bytes > _options.MaxProposalBytes)
        {
            throw new RaftNodeException(RaftErrorCode.BadRequest,
                $"the proposal is {bytes} bytes; this cluster takes at most {_options.MaxProposalBytes} (max-proposal-bytes, bounded by Akka.Remote's maximum-frame-size)");
        }
    }

    private static TaskCompletionSource<T> NewCompletion<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CancellationTokenSource Deadline(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? _options.RequestTimeout);
        return cts;
    }

    /// <summary>Awaits a request, turning an expired deadline into <see cref="RaftErrorCode.Timeout"/> and a dead node into Stopped.</summary>
    private async Task<T> Await<T>(Task<T> task, string what, CancellationToken deadline)
    {
        try
        {
            return await task.WaitAsync(deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            if (_runtime.Completion.IsCompleted) throw new RaftNodeException(RaftErrorCode.Stopped, $"node {NodeId} has stopped");
            throw new RaftNodeException(RaftErrorCode.Timeout, $"{what} did not complete in time; it may still take effect");
        }
    }
}
