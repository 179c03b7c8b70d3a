using Akka.Actor;
using RaftActors.Actors.Runtime;
using RaftActors.Core;
using RaftActors.Messages;

namespace RaftActors.Actors;

public sealed partial class RaftNode
{
    private delegate Task<byte[]> LocalOperation(ForwardRequest request, CancellationToken deadline);

    /// <summary>
    /// Runs a request where it must run: here when this node leads, on the leader otherwise (forwarded over
    /// the peer connection), waiting out elections in between, until the deadline.
    /// </summary>
    private async Task<byte[]> RouteAsync(ForwardRequest request, TimeSpan? timeout, LocalOperation local, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(timeout, cancellationToken);
        while (true)
        {
            ObjectDisposedException.ThrowIf(_runtime.Completion.IsCompleted, this);
            var leader = _runtime.State.Leader;
            try
            {
                if (leader == NodeId) return await local(request, deadline.Token).ConfigureAwait(false);
                if (leader == 0) throw new RaftNodeException(RaftErrorCode.NoLeader, "no leader is known right now");
                return await _runtime.Forwarder.CallAsync(leader, request, deadline.Token).ConfigureAwait(false);
            }
            catch (RaftNodeException ex) when (IsRetryable(ex.Code) && !deadline.IsCancellationRequested)
            {
                // Leadership is moving: wait below for the cluster to settle on a leader and try again. The wait
                // is outside this handler so that a deadline expiring during it becomes Timeout, as above.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw TimedOut();
            }
            try
            {
                await WaitForLeaderAsync(deadline.Token, differentFrom: leader).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw TimedOut();
            }
        }
    }

    private static RaftNodeException TimedOut() =>
        new(RaftErrorCode.Timeout, "the request did not complete in time; it may still take effect");

    private static bool IsRetryable(RaftErrorCode code) => code is RaftErrorCode.NoLeader or RaftErrorCode.NotLeader;

    /// <summary>Polls the published leader until one is known (and differs from a leader that just refused).</summary>
    private async Task WaitForLeaderAsync(CancellationToken cancellationToken, ulong differentFrom = 0)
    {
        var interval = _options.TickInterval;
        var waited = TimeSpan.Zero;
        while (true)
        {
            var leader = _runtime.State.Leader;
            // A refusal from a node we believed to lead is retried anyway after an election timeout.
            if (leader != 0 && (leader != differentFrom || waited >= interval * _options.ElectionTicks)) return;
            await Task.Delay(interval, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            waited += interval;
        }
    }

    /// <summary>On the leader: prepare, propose, and wait until this node applies the entry.</summary>
    private async Task<byte[]> ProposeLocalAsync(ForwardRequest request, CancellationToken deadline)
    {
        var service = _services[request.Namespace];
        byte[] command;
        try
        {
            command = await service.PrepareAsync(request.Payload, deadline).ConfigureAwait(false);
        }
        catch (ServiceRejectedException ex)
        {
            throw new RaftNodeException(RaftErrorCode.Rejected, ex.Message, ex);
        }
        // The prepare hook may make a command larger than the request: checked again (the frame limit leaves room
        // for the envelope, CommandEnvelope.MaxOverheadBytes).
        CheckProposalSize(command.Length);
        var requestId = _runtime.Registry.NextId();
        var completion = _runtime.Registry.Register(requestId);
        var envelope = new CommandEnvelope(request.Namespace, NodeId, requestId, request.ClientId, request.Sequence, command);
        _runtime.RaftActor.Tell(new ProposeCommand(envelope, completion));
        try
        {
            return await Await(completion.Task, "the proposal", deadline).ConfigureAwait(false);
        }
        finally
        {
            _runtime.Registry.Forget(requestId);
        }
    }

    private async Task<byte[]> TransferLocalAsync(ForwardRequest request, CancellationToken deadline)
    {
        var completion = NewCompletion<ulong>();
        _runtime.RaftActor.Tell(new TransferLeadershipRequest(request.Target, completion));
        await Await(completion.Task, "the leadership transfer", deadline).ConfigureAwait(false);
        return [];
    }

    private async Task<byte[]> MembershipLocalAsync(ForwardRequest request, CancellationToken deadline)
    {
        var proposed = RaftCodec.DecodeConfChange(request.Payload);
        var address = MembershipContext.Decode(proposed.Context).Address;
        var requestId = _runtime.Registry.NextId();
        var change = new ConfChange(proposed.Changes, proposed.Transition, new MembershipContext(NodeId, requestId, address).Encode());
        var completion = NewCompletion<ConfState>();
        _runtime.RaftActor.Tell(new ProposeMembershipChange(change, requestId, completion));
        var config = await Await(completion.Task, "the membership change", deadline).ConfigureAwait(false);
        return RaftCodec.Encode(config);
    }

    /// <summary>Runs a request forwarded by a follower, and sends the outcome back.</summary>
    internal async Task<ForwardResponse> ExecuteForwardedAsync(ForwardRequest request)
    {
        using var deadline = Deadline(null, CancellationToken.None);
        try
        {
            if (_runtime.State.Role != StateRole.Leader)
            {
                return new ForwardResponse(request.CallId, RaftErrorCode.NotLeader, $"node {NodeId} is not the leader", []);
            }
            var result = request.Operation switch
            {
                ForwardOperation.Propose when _services.ContainsKey(request.Namespace) => await ProposeLocalAsync(request, deadline.Token).ConfigureAwait(false),
                ForwardOperation.Propose => throw new RaftNodeException(RaftErrorCode.NotFound, $"no service has the namespace '{request.Namespace}'"),
                ForwardOperation.ChangeMembership => await MembershipLocalAsync(request, deadline.Token).ConfigureAwait(false),
                ForwardOperation.AddMember => await AddMemberLocalAsync(request, deadline.Token).ConfigureAwait(false),
                _ => await TransferLocalAsync(request, deadline.Token).ConfigureAwait(false),
            };
            return new ForwardResponse(request.CallId, null, "", result);
        }
        catch (RaftNodeException ex)
        {
            return new ForwardResponse(request.CallId, ex.Code, ex.Message, []);
        }
        catch (CodecException ex)
        {
            return new ForwardResponse(request.CallId, RaftErrorCode.BadRequest, ex.Message, []);
        }
    }
}
