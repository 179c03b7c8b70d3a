using Microsoft.Extensions.Logging;
using RaftActors.Core;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>What the RaftActor is built from; a restart builds a fresh actor from the same settings.</summary>
internal sealed record RaftActorSettings(
    RaftNodeOptions Options,
    JournalStorage Storage,
    RequestRegistry Registry,
    NodeState State,
    IPeerRouter Peers,
    IActorRef ServiceActor,
    ILogger Logger);

/// <summary>
/// Owns the node's Raft core. Drains its mailbox in batches (ticks, peer messages, client requests),
/// then runs Ready cycles: persist in one journal write, send, hand committed entries to the
/// ServiceActor, advance. Journal failures stop the node (fail-stop): nothing it could not persist is
/// ever acknowledged. Any other failure restarts the actor from the journal.
/// </summary>
internal sealed partial class RaftActor : ActorBase
{
    private readonly RaftActorSettings _settings;
    private readonly RawNode _node;
    private readonly JournalStorage _storage;
    private readonly RequestRegistry _registry;
    private readonly NodeState _state;
    private readonly ILogger _log;
    private readonly ulong _id;
    private long _ticks;

    public RaftActor(RaftActorSettings settings)
    {
        _settings = settings;
        _storage = settings.Storage;
        _registry = settings.Registry;
        _state = settings.State;
        _log = settings.Logger;
        _id = settings.Options.NodeId;
        var applied = _storage.Journal.State.Snapshot.Index;
        _node = new RawNode(settings.Options.ToRaftConfig(_storage, applied, new CoreLogger(_log)));
        LoadMembers();
        Publish(new SoftState(_node.Leader, _node.Role));
    }

    protected override int MaxBatchSize => 1024;

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("tick", RaftTick.Instance, _settings.Options.TickInterval);

    /// <summary>
    /// A restart (after a bug, not a journal failure) rebuilds the core from the journal; client requests
    /// already in the log keep waiting in the shared registry, but what only this instance tracked is lost.
    /// </summary>
    protected override void PreRestart(Exception reason, object? message)
    {
        FailPending(new RaftNodeException(RaftErrorCode.LeadershipLost, $"node {_id} restarted its Raft actor: {reason.Message}; retry"));
        DeleteStagedSnapshots();
    }

    protected override void PostStop()
    {
        _registry.FailAll(new RaftNodeException(RaftErrorCode.Stopped, $"node {_id} stopped"));
        FailPending(new RaftNodeException(RaftErrorCode.Stopped, $"node {_id} stopped"));
        DeleteStagedSnapshots();
    }

    protected override ValueTask OnBatchAsync(IReadOnlyList<Envelope> batch)
    {
        foreach (var envelope in batch) Handle(envelope.Message);
        RunReadyCycles();
        return ValueTask.CompletedTask;
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case RaftTick: OnTick(); break;
            case PeerMessagesReceived received: StepAll(received); break;
            case SnapshotReceived snapshot: OnSnapshotReceived(snapshot); break;
            case PeerReachabilityChanged reach: OnReachability(reach); break;
            case SnapshotSendFinished sent: _node.ReportSnapshot(sent.Peer, sent.Failed); break;
            case ProposeCommand propose: OnPropose(propose); break;
            case ProposeMembershipChange change: OnMembershipChange(change); break;
            case ReadIndexRequest read: OnReadIndex(read); break;
            case TransferLeadershipRequest transfer: OnTransfer(transfer); break;
            case StatusRequest status: status.Completion.TrySetResult(BuildStatus()); break;
            case ServiceSnapshotTaken taken: OnServiceSnapshot(taken); break;
            case CampaignNow: _node.Campaign(); break;
            default: Unhandled(message); break;
        }
    }

    private void OnTick()
    {
        _ticks++;
        _node.Tick();
        ExpireTransfers();
        ExpireDepartedPeers();
        if ((_ticks & 63) == 0) SweepAbandonedReads();
    }

    private void StepAll(PeerMessagesReceived received)
    {
        foreach (var message in received.Messages)
        {
            try
            {
                _node.Step(message);
            }
            catch (InvalidPeerMessageException ex)
            {
                RaftActorLog.RefusedPeerMessage(_log, _id, received.From, ex.Message);
            }
        }
    }

    private void OnReachability(PeerReachabilityChanged reach)
    {
        if (!reach.Reachable) _node.ReportUnreachable(reach.Peer);
        _state.Raise(new PeerReachabilityEvent(_id, reach.Peer, reach.Reachable));
        _reachable[reach.Peer] = reach.Reachable;
    }

    /// <summary>Adapts the core's log sink to the host's logger.</summary>
    private sealed class CoreLogger(ILogger logger) : IRaftLogger
    {
        public bool IsEnabled(RaftLogLevel level) => logger.IsEnabled(Map(level));

        public void Log(RaftLogLevel level, ulong nodeId, string message)
        {
            var mapped = Map(level);
            if (logger.IsEnabled(mapped)) RaftActorLog.Core(logger, mapped, nodeId, message);
        }

        private static LogLevel Map(RaftLogLevel level) => level switch
        {
            RaftLogLevel.Debug => LogLevel.Debug,
            RaftLogLevel.Info => LogLevel.Information,
            RaftLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        };
    }
}

/// <summary>Campaign at once (a node that is the only voter need not wait for its election timeout).</summary>
internal sealed record CampaignNow
{
    public static readonly CampaignNow Instance = new();
}
