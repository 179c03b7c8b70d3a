using Microsoft.AspNetCore.Http.HttpResults;
using RaftActors.Actors;
using RaftActors.Host.Configuration;
using RaftActors.Host.Node;
using RaftActors.Host.Services;

namespace RaftActors.Host.Api;

internal static partial class ClientApi
{
    /// <summary>
    /// eosc's addNode: reserves the operator's id for that address in the registry (refusing an id that is or
    /// was someone else's), then adds the node as a learner; the promoter makes it a voter once caught up.
    /// The node itself is then started at that address with <c>--join --target</c>: the registry hands the
    /// joiner at a reserved address exactly that id, and it catches up as the learner already added.
    /// </summary>
    public static Task<IResult> AddNode(HttpContext http, NodeManager manager) =>
        ApiResults.Run(http, async () =>
        {
            var body = await BodyReader.ReadAsync(http.Request, RequestJson.Default.AddNodeBody,
                form => new AddNodeBody(form.Id("id"), form.Text("host"), form.Text("http")),
                http.RequestAborted).ConfigureAwait(false);
            if (body.Id is not { } id || id == 0) throw new ApiException(400, ApiCodes.BadProposal, "'id' is required: a node id from 1");
            if (!PeerAddress.TryNormalize(body.Host, out var host, out var error)) throw new ApiException(400, ApiCodes.BadProposal, $"'host': {error}");
            if (body.Http is { } url && !NodeHostOptionsValidator.IsHttpUrl(url)) throw new ApiException(400, ApiCodes.BadProposal, "'http' must be an http:// URL");
            var raft = Running(manager).Raft;
            var status = await raft.GetStatusAsync(http.RequestAborted).ConfigureAwait(false);
            if (status.Members.FirstOrDefault(m => m.NodeId == id) is { } member)
            {
                throw new ApiException(409, ApiCodes.IdAddressMismatch, $"node {id} is already a member (at {member.Address})");
            }
            // A request the registry would refuse is refused before anything is proposed: bad input leaves no entry.
            var registry = await NodeManager.ReadMembersAsync(Running(manager), ReadConsistency.Linearizable, http.RequestAborted).ConfigureAwait(false);
            if (MembershipService.ReserveRefusal(registry.Members, id, host) is { } refusal)
            {
                throw new ApiException(409, ApiCodes.IdAddressMismatch, refusal.Error ?? $"node id {id} cannot be used");
            }
            var reserved = await NodeManager.ProposeMembersAsync(raft, new MembersCommand { Op = "reserve", Id = id, Peer = host, Http = body.Http }, http.RequestAborted)
                .ConfigureAwait(false);
            if (!reserved.Ok) throw new ApiException(409, ApiCodes.IdAddressMismatch, reserved.Error ?? $"node id {id} cannot be used");
            var config = await ApiResults.AfterAnAppliedStep(() => raft.AddLearnerAsync(id, host, http.RequestAborted), ApiCodes.MembershipChangeFailed)
                .ConfigureAwait(false);
            return new MemberChangeView(id, config.Voters, config.Learners);
        }, ApiCodes.MembershipChangeFailed);

    /// <summary>Removes another node; the id stays recorded as used. This node leaves with <c>/raft/api/leave</c>.</summary>
    public static Task<IResult> DeleteNode(HttpContext http, NodeManager manager) =>
        ApiResults.Run(http, async () =>
        {
            var id = await ReadIdAsync(http).ConfigureAwait(false);
            var raft = Running(manager).Raft;
            var status = await raft.GetStatusAsync(http.RequestAborted).ConfigureAwait(false);
            if (status.Members.All(m => m.NodeId != id)) throw new ApiException(404, ApiCodes.MembershipChangeFailed, $"node {id} is not a member of this cluster");
            if (id == raft.NodeId)
            {
                throw new ApiException(409, ApiCodes.InvalidForMode, Mode(status) == "standalone"
                    ? "this node is standalone: it cannot remove itself"
                    : "to remove the node you are talking to, call /raft/api/leave on it (it keeps its data as a standalone node)");
            }
            if (!status.Members.Any(m => m.IsVoter && m.NodeId != id)) throw new ApiException(409, ApiCodes.InvalidForMode, "the last voter cannot be removed");
            await NodeManager.ProposeMembersAsync(raft, new MembersCommand { Op = "remove", Id = id }, http.RequestAborted).ConfigureAwait(false);
            var config = await ApiResults.AfterAnAppliedStep(() => raft.RemoveAsync(id, http.RequestAborted), ApiCodes.MembershipChangeFailed)
                .ConfigureAwait(false);
            return new MemberChangeView(id, config.Voters, config.Learners);
        }, ApiCodes.MembershipChangeFailed);

    /// <summary>Hands leadership to the voter in <c>id</c> (or, without one, to the most up-to-date other voter).</summary>
    public static Task<IResult> TransferLeader(HttpContext http, NodeManager manager) =>
        ApiResults.Run(http, async () =>
        {
            var body = http.Request.ContentLength is 0 or null && !http.Request.HasFormContentType
                ? new NodeIdBody(null)
                : await BodyReader.ReadAsync(http.Request, RequestJson.Default.NodeIdBody, form => new NodeIdBody(form.Id("id")), http.RequestAborted)
                    .ConfigureAwait(false);
            var raft = Running(manager).Raft;
            var status = await raft.GetStatusAsync(http.RequestAborted).ConfigureAwait(false);
            if (Mode(status) == "standalone") throw new ApiException(409, ApiCodes.InvalidForMode, "this node is standalone: there is no other node to lead");
            var voters = status.Members.Where(m => m.IsVoter).ToList();
            var target = body.Id ?? voters.Where(m => m.NodeId != status.Leader).OrderByDescending(m => m.MatchIndex ?? 0).Select(m => m.NodeId).FirstOrDefault();
            if (target == 0 || voters.All(m => m.NodeId != target)) throw new ApiException(404, ApiCodes.MembershipChangeFailed, $"node {target} is not a voter of this cluster");
            await raft.TransferLeadershipAsync(target, http.RequestAborted).ConfigureAwait(false);
            return new MemberChangeView(target, [.. voters.Select(v => v.NodeId)], []);
        }, ApiCodes.MembershipChangeFailed);

    public static Task<IResult> Leave(HttpContext http, NodeManager manager) =>
        ApiResults.Run(http, async () =>
        {
            var id = await manager.LeaveAsync(http.RequestAborted).ConfigureAwait(false);
            return new LeaveView(id, "standalone");
        }, ApiCodes.MembershipChangeFailed);

    /// <summary>Node to node: a host asks to join this node's cluster (see <see cref="JoinCoordinator"/>).</summary>
    public static Task<IResult> Join(HttpContext http, NodeManager manager, JoinCoordinator coordinator) =>
        ApiResults.Run(http, async () =>
        {
            var request = await BodyReader.ReadAsync(http.Request, RequestJson.Default.JoinRequest, _ => throw new ApiException(415, ApiCodes.BadJoinRequest, "send the join request as JSON"),
                http.RequestAborted).ConfigureAwait(false);
            return await coordinator.AdmitAsync(Running(manager), request, http.RequestAborted).ConfigureAwait(false);
        }, ApiCodes.MembershipChangeFailed);

    /// <summary>The address check: while this node's own join is in flight it answers with the code it sent.</summary>
    public static Task<IResult> JoinCode(HttpContext http, NodeManager manager) =>
        ApiResults.Run(http, () => Task.FromResult(manager.PendingJoinCode is { } code
            ? new JoinCodeView(code)
            : throw new ApiException(404, ApiCodes.AddressCheckFailed, "this node is not joining a cluster")));

    private static async Task<ulong> ReadIdAsync(HttpContext http)
    {
        var body = await BodyReader.ReadAsync(http.Request, RequestJson.Default.NodeIdBody, form => new NodeIdBody(form.Id("id")), http.RequestAborted)
            .ConfigureAwait(false);
        return body.Id is { } id and > 0 ? id : throw new ApiException(400, ApiCodes.BadProposal, "'id' is required: a node id from 1");
    }
}
