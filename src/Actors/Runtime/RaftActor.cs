using Akka.Actor;
using Akka.Persistence;
using Microsoft.Extensions.Logging;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Core;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>What the RaftActor is built from.</summary>
internal sealed record RaftActorSettings(
    RaftNodeOptions Options,
    NodeSettings Node,
    RequestRegistry Registry,
    NodeState State,
    IActorRef ServiceActor,
    ILogger Logger);

/// <summary>
/// Owns the node's Raft core, as an Akka.NET persistent actor. Its journal is the node's durable Raft
/// state: replaying it rebuilds the log (<see cref="RaftLogStorage"/>), the hard state, the address book
/// and the start counter. Each Ready is one <c>PersistAsync</c> write while the mailbox keeps moving, and
/// only one Ready is outstanding at a time, so everything that arrives during a write is batched into the
/// next one (group commit). Messages that may leave only once the write is durable (votes, append
/// responses) are sent from the persist handler, and so are committed entries. A failed or rejected write
/// stops the node (fail-stop): nothing it could not persist is ever acknowledged.
/// </summary>
internal sealed partial class RaftActor : ReceivePersistentActor, IWithTimers
{
    private readonly RaftActorSettings _settings;
    private readonly RaftLogStorage _storage = new();
    private readonly RequestRegistry _registry;
    private readonly NodeState _state;
    private readonly ILogger _log;
    private readonly ulong _id;
    private RawNode _node = null!;
    private ulong _incarnation;
    private long _ticks;
    private bool _flushQueued;

    public RaftActor(RaftActorSettings settings)
    {
        _settings = settings;
        _registry = settings.Registry;
        _state = settings.State;
        _log = settings.Logger;
        _id = settings.Options.NodeId;
        PersistenceId = settings.Node.PersistenceId;
        JournalPluginId = settings.Node.JournalPluginId;
        SnapshotPluginId = settings.Node.SnapshotPluginId;

        Recover<SnapshotOffer>(offer => RecoverSnapshot(offer));
        Recover<ReadyPersisted>(ready => _storage.Apply(ready));
        Recover<NodeIncarnated>(started => _incarnation = started.Incarnation);
        Recover<AddressesChanged>(changed => ReplaceAddresses(changed.Addresses));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<FlushReady>(_ => OnFlushReady());
        Command<RaftTick>(_ => Run(OnTick));
        Command<PeerMessagesReceived>(received => Run(() => StepAll(received)));
        Command<SnapshotReceived>(snapshot => OnSnapshotReceived(snapshot));
        Command<SnapshotVetted>(vetted => Run(() => OnSnapshotVetted(vetted)));
        Command<PeerReachabilityChanged>(reach => Run(() => OnReachability(reach)));
        Command<SnapshotSendFinished>(sent => Run(() => _node.ReportSnapshot(sent.Peer, sent.Failed)));
        Command<ProposeCommand>(propose => Run(() => OnPropose(propose)));
        Command<ProposeMembershipChange>(change => Run(() => OnMembershipChange(change)));
        Command<ReadIndexRequest>(read => Run(() => OnReadIndex(read)));
        Command<LinearizableQuery>(read => Run(() => OnLinearizableQuery(read)));
        Command<TransferLeadershipRequest>(transfer => Run(() => OnTransfer(transfer)));
        Command<StatusRequest>(status => status.Completion.TrySetResult(BuildStatus()));
        Command<ServiceSnapshotTaken>(taken => Run(() => OnServiceSnapshot(taken)));
        Command<CampaignNow>(_ => Run(() => _node.Campaign()));
        Command<PeerAddressLearned>(learned => OnAddressLearned(learned));
        Command<PeerDiscovered>(discovered => OnDiscovered(discovered));
        Command<OutboundForward>(forward => RouteForward(forward));
        Command<SnapshotAckReceived>(ack => OnSnapshotAck(ack));
        Command<SaveSnapshotSuccess>(saved => OnSnapshotSaved(saved));
        Command<SaveSnapshotFailure>(failed => OnSnapshotSaveFailed(failed));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(failed => RaftActorLog.CompactionFailed(_log, _id, failed.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failed => RaftActorLog.CompactionFailed(_log, _id, failed.Cause.Message));
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Handles one message, then makes sure a Ready cycle follows. The cycle is not run at once: a
    /// <see cref="FlushReady"/> marker goes to the back of the mailbox, so every message already queued is stepped
    /// into the core first and they all leave in one Ready (one write, one frame per peer, one heartbeat round for
    /// many reads). Akka delivers in order, so the marker costs one mailbox turn, not a timer.
    /// </summary>
    private void Run(Action handle)
    {
        handle();
        if (_flushQueued) return;
        _flushQueued = true;
        Self.Tell(FlushReady.Instance);
    }

    private void OnFlushReady()
    {
        _flushQueued = false;
        AskReadIndex();
        RunReadyCycles();
    }

    private void RecoverSnapshot(SnapshotOffer offer)
    {
        if (offer.Snapshot is not RaftActorSnapshot snapshot)
        {
            throw new ActorFailStopException($"node {_id}: the snapshot store holds a {offer.Snapshot?.GetType().Name ?? "null"}, not a RaftActor snapshot");
        }
        _storage.Restore(snapshot);
        ReplaceAddresses(snapshot.Addresses);
        _incarnation = snapshot.Incarnation;
    }

    /// <summary>Recovery is done: write the bootstrap (a fresh founding node) and the new start counter, then serve.</summary>
    private void OnRecovered()
    {
        var events = new List<object>();
        var empty = LastSequenceNr == 0 && _storage.SnapshotRef is null;
        if (empty && JournalMarker.Exists(_settings.Node.DataDirectory))
        {
            // Bootstrapping again would make a founder a blank voter under its old id and identity.
            var lost = new NodeDataLostException(_id, $"{JournalMarker.PathIn(_settings.Node.DataDirectory)} records that it was written to");
            StopWith(lost.Message, lost);
            return;
        }
        if (empty && !_settings.Options.Join)
        {
            events.Add(Bootstrap());
        }
        events.Add(new NodeIncarnated(_incarnation + 1));
        // PersistAll (not Async): commands wait in the stash until the node can serve them.
        PersistAll(events, e =>
        {
            switch (e)
            {
                case ReadyPersisted bootstrap: _storage.Apply(bootstrap); break;
                case NodeIncarnated started:
                    _incarnation = started.Incarnation;
                    JournalMarker.EnsureWritten(_settings.Node.DataDirectory, PersistenceId);
                    StartServing();
                    break;
            }
        });
    }

    /// <summary>
    /// The bootstrap of a new cluster: one membership entry per founding voter at term 1, committed, so that
    /// every founding member starts from the same log (etcd's Bootstrap). Alone, it is a one-voter cluster.
    /// </summary>
    private ReadyPersisted Bootstrap()
    {
        var founders = _settings.Options.Peers.Select(p => (p.Key, p.Value)).Append((_id, _settings.Node.AdvertisedAddress));
        var entries = new List<Entry>();
        ulong index = 1;
        foreach (var (id, address) in founders.OrderBy(v => v.Item1))
        {
            var change = ConfChange.AddVoter(id, new MembershipContext(0, 0, address).Encode());
            entries.Add(new Entry(1, index++, EntryType.ConfChange, RaftCodec.Encode(change)));
        }
        return new ReadyPersisted(new HardState(1, 0, (ulong)entries.Count), entries, null);
    }

    private void StartServing()
    {
        _registry.SetIncarnation(_incarnation);
        var applied = _storage.SnapshotRef?.Metadata.Index ?? 0;
        _node = new RawNode(_settings.Options.ToRaftConfig(_storage, applied, new CoreLogger(_log)));
        LoadMembers();
        Publish(new SoftState(_node.Leader, _node.Role));
        _state.CommitIndex = _node.CommitIndex;
        var snapshot = _storage.SnapshotRef;
        _settings.ServiceActor.Tell(new RecoverServices(snapshot?.Metadata, snapshot is null ? null : SnapshotFiles.PathOf(_settings.Node, snapshot),
            _storage.HardState.Commit));
        Timers.StartPeriodicTimer("tick", RaftTick.Instance, _settings.Options.TickInterval);
        _settings.Node.Started.TrySetResult();
        RunReadyCycles();
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // Akka lets an actor go on after a rejected write; a Raft node must not: what it could not persist
        // may already be promised to a peer in a vote or an append response.
        FailStop($"the journal refused write {sequenceNr}: {cause.Message}", cause);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        FailStop($"the journal write {sequenceNr} failed: {cause.Message}", cause);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        FailStop($"the journal could not be read back: {reason.Message}", reason);
        base.OnRecoveryFailure(reason, message);
    }

    private void FailStop(string why, Exception cause)
    {
        RaftActorLog.JournalFailed(_log, _id, why, cause);
        StopWith(why, new ActorFailStopException($"node {_id}: {why}; the node stops", cause));
    }

    /// <summary>Records <paramref name="error"/> as the node's failure and stops: the node's completion faults with it.</summary>
    private void StopWith(string why, Exception error)
    {
        _settings.Node.Fail(error);
        _state.Raise(new NodeFailed(_id, why));
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        var stopped = _settings.Node.Failure is { } failure
            ? new RaftNodeException(RaftErrorCode.Stopped, $"node {_id} stopped itself: {failure.Message}", failure)
            : new RaftNodeException(RaftErrorCode.Stopped, $"node {_id} stopped");
        _registry.FailAll(stopped);
        if (_node is not null) FailPending(stopped);
        _settings.Node.Started.TrySetException(stopped);
        DeleteStagedSnapshots();
        base.PostStop();
    }

    private void OnTick()
    {
        _ticks++;
        _node.Tick();
        CheckStalledWrite();
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
        if (_reachable.TryGetValue(reach.Peer, out var was) && was == reach.Reachable) return;
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

/// <summary>Run the Ready cycle now: everything queued before this marker has been stepped into the core.</summary>
internal sealed record FlushReady
{
    public static readonly FlushReady Instance = new();
}

/// <summary>Campaign at once (a node that is the only voter need not wait for its election timeout).</summary>
internal sealed record CampaignNow
{
    public static readonly CampaignNow Instance = new();
}
