using Akka.Actor;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;

namespace RaftActors.Actors;

public sealed partial class RaftNode
{
    /// <summary>Adds a voter at <paramref name="address"/>. Prefer <see cref="AddMemberAsync"/>, which catches it up as a learner first.</summary>
    public Task<ConfState> AddVoterAsync(ulong id, string address, CancellationToken cancellationToken = default) =>
        ChangeMembershipAsync(ConfChange.AddVoter(id, Context(address)), cancellationToken);

    /// <summary>Adds a learner: it receives the log but does not vote or count for commits.</summary>
    public Task<ConfState> AddLearnerAsync(ulong id, string address, CancellationToken cancellationToken = default) =>
        ChangeMembershipAsync(ConfChange.AddLearner(id, Context(address)), cancellationToken);

    /// <summary>Makes a learner a voter.</summary>
    public Task<ConfState> PromoteAsync(ulong id, CancellationToken cancellationToken = default) =>
        ChangeMembershipAsync(ConfChange.AddVoter(id), cancellationToken);

    /// <summary>Removes a node (voter or learner). Its id is never to be reused.</summary>
    public Task<ConfState> RemoveAsync(ulong id, CancellationToken cancellationToken = default) =>
        ChangeMembershipAsync(ConfChange.Remove(id), cancellationToken);

    /// <summary>
    /// Adds a node safely: as a learner first, so that a slow or dead newcomer never counts toward the
    /// quorum; then, once it has caught up with the leader's commit index, promotes it to voter.
    /// </summary>
    public async Task<ConfState> AddMemberAsync(ulong id, string address, TimeSpan? catchUpTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        var request = new ForwardRequest(0, ForwardOperation.AddMember, "", System.Text.Encoding.UTF8.GetBytes(address), 0, 0, id);
        var result = await RouteAsync(request, catchUpTimeout ?? _options.RequestTimeout * 3, AddMemberLocalAsync, cancellationToken)
            .ConfigureAwait(false);
        return RaftCodec.DecodeConfState(result);
    }

    /// <summary>On the leader: add a learner, watch its match index reach the commit index, then promote it.</summary>
    private async Task<byte[]> AddMemberLocalAsync(ForwardRequest request, CancellationToken deadline)
    {
        var id = request.Target;
        var address = System.Text.Encoding.UTF8.GetString(request.Payload);
        var status = await GetStatusAsync(deadline).ConfigureAwait(false);
        if (!status.Members.Any(m => m.NodeId == id)) await AddLearnerAsync(id, address, deadline).ConfigureAwait(false);
        while (true)
        {
            status = await GetStatusAsync(deadline).ConfigureAwait(false);
            var member = status.Members.FirstOrDefault(m => m.NodeId == id);
            if (member is { IsVoter: true }) return RaftCodec.Encode(new ConfState(status.Members.Where(m => m.IsVoter).Select(m => m.NodeId),
                status.Members.Where(m => !m.IsVoter).Select(m => m.NodeId)));
            // Leadership moved while waiting: let the router send the rest to the new leader.
            if (status.Role != Core.StateRole.Leader) throw new RaftNodeException(RaftErrorCode.NotLeader, "leadership moved while the member caught up");
            if (member?.MatchIndex is { } match && match >= status.CommitIndex) break;
            try
            {
                await Task.Delay(_options.TickInterval, _options.TimeProvider, deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new RaftNodeException(RaftErrorCode.Timeout, $"node {id} did not catch up in time; it stays a learner");
            }
        }
        var config = await PromoteAsync(id, deadline).ConfigureAwait(false);
        return RaftCodec.Encode(config);
    }

    private static byte[] Context(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        return new MembershipContext(0, 0, address).Encode();
    }

    private async Task<ConfState> ChangeMembershipAsync(ConfChange change, CancellationToken cancellationToken)
    {
        var request = new ForwardRequest(0, ForwardOperation.ChangeMembership, "", RaftCodec.Encode(change), 0, 0, 0);
        var result = await RouteAsync(request, null, MembershipLocalAsync, cancellationToken).ConfigureAwait(false);
        return RaftCodec.DecodeConfState(result);
    }
}
