using Akka.Actor;
using RaftActors.Core;

namespace RaftActors.Actors.Runtime;

internal sealed partial class RaftActor
{
    // Leader-side: which request each index holds, to detect proposals overwritten by a new leader.
    private readonly Dictionary<ulong, ulong> _proposalAt = [];
    private readonly Dictionary<ulong, TaskCompletionSource<ulong>> _reads = [];
    private readonly List<(ulong Target, TaskCompletionSource<ulong> Completion, long Deadline)> _transfers = [];
    private ulong _readCounter;

    private void OnPropose(ProposeCommand propose)
    {
        var requestId = propose.Envelope.RequestId;
        if (_node.Role != StateRole.Leader)
        {
            propose.Completion.TrySetException(NotLeader());
            _registry.Forget(requestId);
            return;
        }
        var result = _node.Propose(propose.Envelope.Encode());
        if (result == ProposeResult.Accepted)
        {
            _proposalAt[_node.LastIndex] = requestId;
            return;
        }
        _registry.Forget(requestId);
        propose.Completion.TrySetException(Refused(result));
    }

    private void OnReadIndex(ReadIndexRequest read)
    {
        var context = ReadContext.Encode(_id, _incarnation, ++_readCounter);
        var result = _node.ReadIndex(context);
        if (result != ProposeResult.Accepted)
        {
            read.Completion.TrySetException(Refused(result));
            return;
        }
        _reads[_readCounter] = read.Completion;
    }

    private void CompleteRead(ReadState read)
    {
        if (!ReadContext.TryDecode(read.RequestContext, _id, _incarnation, out var key)) return;
        if (_reads.Remove(key, out var completion)) completion.TrySetResult(read.Index);
    }

    /// <summary>Reads whose callers gave up (timed out) are dropped so the table does not grow.</summary>
    private void SweepAbandonedReads()
    {
        foreach (var (key, completion) in _reads.ToArray())
        {
            if (completion.Task.IsCompleted) _reads.Remove(key);
        }
    }

    private void OnTransfer(TransferLeadershipRequest transfer)
    {
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
        foreach (var completion in _reads.Values) completion.TrySetException(lost);
        _reads.Clear();
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
        foreach (var completion in _reads.Values) completion.TrySetException(error);
        _reads.Clear();
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
