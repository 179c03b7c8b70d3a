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
        await AddLearnerAsync(id, address, cancellationToken).ConfigureAwait(false);
        using var deadline = Deadline(catchUpTimeout ?? _options.RequestTimeout * 3, cancellationToken);
        while (true)
        {
            var leader = Leader;
            if (leader == NodeId)
            {
                var status = await GetStatusAsync(deadline.Token).ConfigureAwait(false);
                var member = status.Members.FirstOrDefault(m => m.NodeId == id);
                if (member?.MatchIndex is { } match && match >= status.CommitIndex) break;
            }
            else if (leader != 0)
            {
                // Only the leader knows how far the learner is; let it decide by promoting when asked.
                break;
            }
            try
            {
                await Task.Delay(_options.TickInterval, _options.TimeProvider, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new RaftNodeException(RaftErrorCode.Timeout, $"node {id} did not catch up in time; it stays a learner");
            }
        }
        return await PromoteAsync(id, cancellationToken).ConfigureAwait(false);
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
