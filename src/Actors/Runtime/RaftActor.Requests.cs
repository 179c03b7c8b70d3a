using Akka.Actor;
using RaftActors.Core;

namespace RaftActors.Actors.Runtime;

internal sealed partial class RaftActor
{
    // Leader-side: which request each index holds, to detect proposals overwritten by a new leader.
    private readonly Dictionary<ulong, ulong> _proposalAt = [];
    // Reads waiting for their ReadIndex round, by the context's sequence; one round serves every read that
    // arrived before it was asked (etcd's server batches the same way: one heartbeat round, not one per read).
    private readonly Dictionary<ulong, ReadRound> _reads = [];
    private ReadRound? _unaskedReads;
    // The round in flight (0: none) and the tick it was asked at. Reads that arrive meanwhile wait for the next
    // round, asked when this one completes, so the rounds batch as the load grows.
    private ulong _readRoundInFlight;
    private long _readRoundAskedAt;
    private readonly List<(ulong Target, TaskCompletionSource<ulong> Completion, long Deadline)> _transfers = [];
    private ulong _readCounter;

    // Proposals that arrived since the last Ready was taken. They enter the core together (ProposeQueued), so that the
    // leader sends each follower one append for all of them and each follower answers once: one proposal at a time
    // costs an append per follower each, and an answer each, however many share a Ready.
    private readonly List<ProposeCommand> _unproposed = [];

    private void OnPropose(ProposeCommand propose)
    {
        if (_node.Role != StateRole.Leader)
        {
            Refuse(propose, NotLeader());
            return;
        }
        _unproposed.Add(propose);
    }

    /// <summary>
    /// Hands the queued proposals to the core as one batch, in arrival order. Runs before each Ready is taken and before
    /// anything whose place in the log relative to them matters (a membership change, a leadership transfer).
    /// </summary>
    private void ProposeQueued()
    {
        if (_unproposed.Count == 0) return;
        _state.CountProposalBatch();
        if (_node.Role != StateRole.Leader)
        {
            // Leadership went (a newer term arrived) between the proposal and this cycle.
            foreach (var propose in _unproposed) Refuse(propose, NotLeader());
            _unproposed.Clear();
            return;
        }
        var commands = new byte[_unproposed.Count][];
        for (var i = 0; i < commands.Length; i++) commands[i] = _unproposed[i].Envelope.Encode();
        var result = _node.Propose(commands, out var accepted);
        var index = _node.LastIndex - (ulong)accepted;
        for (var i = 0; i < accepted; i++) _proposalAt[++index] = _unproposed[i].Envelope.RequestId;
        for (var i = accepted; i < commands.Length; i++) Refuse(_unproposed[i], Refused(result));
        _unproposed.Clear();
    }

    private void Refuse(ProposeCommand propose, RaftNodeException error)
    {
        _registry.Forget(propose.Envelope.RequestId);
        propose.Completion.TrySetException(error);
    }

    /// <summary>Queues the read for the next ReadIndex round, asked once the mailbox has been drained (<see cref="AskReadIndex"/>).</summary>
    private void OnReadIndex(ReadIndexRequest read) => (_unaskedReads ??= new ReadRound()).Add(read.Completion);

    /// <summary>Queues a linearizable query for the next ReadIndex round; the round hands it to the ServiceActor.</summary>
    private void OnLinearizableQuery(LinearizableQuery read) => (_unaskedReads ??= new ReadRound()).Add(read.Query);

    /// <summary>
    /// One ReadIndex round for every read queued since the last one: the index it confirms is at least the commit
    /// index when each of them arrived, so it is a correct barrier for all of them. Raft retransmits neither a
    /// follower's MsgReadIndex nor the leader's answer, so a round unanswered for two election timeouts (a message
    /// lost on a link that was down) is asked again, with its reads, under a fresh context.
    /// </summary>
    private void AskReadIndex()
    {
        if (_readRoundInFlight != 0)
        {
            if (_ticks - _readRoundAskedAt < 2L * _settings.Options.ElectionTicks) return;
            if (_reads.Remove(_readRoundInFlight, out var unanswered))
            {
                var again = _unaskedReads ?? new ReadRound();
                if (unanswered.MoveWaitingTo(again)) _unaskedReads = again;
            }
            _readRoundInFlight = 0;
        }
        if (_unaskedReads is not { } batch) return;
        _unaskedReads = null;
        _state.CountReadRound();
        var context = ReadContext.Encode(_id, _incarnation, ++_readCounter);
        var result = _node.ReadIndex(context);
        if (result != ProposeResult.Accepted)
        {
            batch.Fail(Refused(result));
            return;
        }
        _reads[_readCounter] = batch;
        _readRoundInFlight = _readCounter;
        _readRoundAskedAt = _ticks;
    }

    private void CompleteRead(ReadState read)
    {
        if (!ReadContext.TryDecode(read.RequestContext, _id, _incarnation, out var key)) return;
        if (!_reads.Remove(key, out var batch)) return;
        batch.Complete(read.Index, _settings.ServiceActor);
        if (key == _readRoundInFlight)
        {
            _readRoundInFlight = 0;
            AskReadIndex();
        }
    }

    /// <summary>Rounds whose callers all gave up (timed out) are dropped so the table does not grow.</summary>
    private void SweepAbandonedReads()
    {
        foreach (var (key, batch) in _reads.ToArray())
        {
            if (!batch.IsAbandoned) continue;
            _reads.Remove(key);
            if (key == _readRoundInFlight) _readRoundInFlight = 0;
        }
    }

    private void FailReads(Exception error)
    {
        _readRoundInFlight = 0;
        foreach (var batch in _reads.Values) batch.Fail(error);
        _reads.Clear();
    }

    private void OnTransfer(TransferLeadershipRequest transfer)
    {
        // Proposals that arrived before the transfer was asked go in before it refuses new ones.
        ProposeQueued();
        if (_node.Leader == transfer.Target)
        {
            transfer.Completion.TrySetResult(transfer.Target);
            return;
        }
        if (_node.Role != StateRole.Leader)
        {
            transfer.Completion.TrySetException(NotLeader());
            return;
        }
        if (!_node.ConfState.Voters.Contains(transfer.Target))
        {
            transfer.Completion.TrySetException(new RaftNodeException(RaftErrorCode.NotFound, $"node {transfer.Target} is not a voter"));
            return;
        }
        _node.TransferLeader(transfer.Target);
        // The core abandons a transfer after an election timeout; wait a little longer than that.
        _transfers.Add((transfer.Target, transfer.Completion, _ticks + 2L * _settings.Options.ElectionTicks));
    }

    private void ExpireTransfers()
    {
        for (var i = _transfers.Count - 1; i >= 0; i--)
        {
            if (_transfers[i].Deadline > _ticks) continue;
            _transfers[i].Completion.TrySetException(new RaftNodeException(RaftErrorCode.Timeout,
                $"leadership did not move to node {_transfers[i].Target} within {2 * _settings.Options.ElectionTicks} ticks"));
            _transfers.RemoveAt(i);
        }
    }

    private void OnSoftState(SoftState soft)
    {
        var leaderChanged = soft.Leader != _state.Leader;
        var roleChanged = soft.Role != _state.Role;
        Publish(soft);
        RaftActorLog.RoleChanged(_log, _id, soft.Role, _node.Term, soft.Leader);
        if (roleChanged) _state.Raise(new RoleChanged(_id, soft.Role, _node.Term));
        if (!leaderChanged) return;
        _state.Raise(new LeaderChanged(_id, soft.Leader, _node.Term));
        // A read confirmed by the old leader's round is lost with it; the caller retries against the new one.
        var lost = new RaftNodeException(RaftErrorCode.LeadershipLost, "leadership changed while the read was pending; retry");
        FailReads(lost);
        for (var i = _transfers.Count - 1; i >= 0; i--)
        {
            if (soft.Leader == 0) continue;
            var (target, completion, _) = _transfers[i];
            if (soft.Leader == target) completion.TrySetResult(target);
            else completion.TrySetException(new RaftNodeException(RaftErrorCode.LeadershipLost, $"node {soft.Leader} became leader instead of {target}"));
            _transfers.RemoveAt(i);
        }
        if (soft.Role != StateRole.Leader) _proposalAt.Clear();
    }

    private void Publish(SoftState soft)
    {
        _state.Leader = soft.Leader;
        _state.Role = soft.Role;
        _state.Term = _node.Term;
    }

    private void FailPending(Exception error)
    {
        foreach (var propose in _unproposed) propose.Completion.TrySetException(error);
        _unproposed.Clear();
        FailReads(error);
        _unaskedReads?.Fail(error);
        _unaskedReads = null;
        foreach (var (_, completion, _) in _transfers) completion.TrySetException(error);
        _transfers.Clear();
        foreach (var completion in _membershipWaiters.Values) completion.TrySetException(error);
        _membershipWaiters.Clear();
    }

    private RaftNodeException NotLeader() => _node.Leader == 0
        ? new RaftNodeException(RaftErrorCode.NoLeader, "no leader is known right now; retry shortly")
        : new RaftNodeException(RaftErrorCode.NotLeader, $"node {_id} is not the leader; node {_node.Leader} is");

    private RaftNodeException Refused(ProposeResult result) => result switch
    {
        ProposeResult.NoLeader or ProposeResult.Campaigning => new RaftNodeException(RaftErrorCode.NoLeader, "no leader is known right now; retry shortly"),
        ProposeResult.ForwardingDisabled => NotLeader(),
        ProposeResult.TransferInProgress => new RaftNodeException(RaftErrorCode.NotLeader, "leadership is being transferred; retry shortly"),
        ProposeResult.UncommittedLimit => new RaftNodeException(RaftErrorCode.Overloaded, "too much is proposed and not yet committed; back off"),
        ProposeResult.NotMember => new RaftNodeException(RaftErrorCode.NotLeader, $"node {_id} is no longer a member"),
        ProposeResult.ConfChangeRefused => new RaftNodeException(RaftErrorCode.MembershipChangeRefused,
            "another membership change is pending, or the change does not fit the current configuration"),
        _ => new RaftNodeException(RaftErrorCode.BadRequest, $"refused: {result}"),
    };
}
