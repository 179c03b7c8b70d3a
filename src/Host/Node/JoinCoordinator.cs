using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using RaftActors.Actors;
using RaftActors.Host.Api;
using RaftActors.Host.Configuration;
using RaftActors.Host.Diagnostics;
using RaftActors.Host.Services;

namespace RaftActors.Host.Node;

/// <summary>
/// The target's half of the join (eosc's join flow with its defects fixed): checks the cluster id and the
/// HMAC proof of the secret, calls the joiner back at its advertised HTTP address to compare the one-time
/// code, allocates the id through the log, and adds the joiner as a learner; the <see cref="Promoter"/>
/// on the leader makes it a voter once it has caught up. Any node can be the target: ids and membership
/// changes go through the leader.
/// </summary>
internal sealed class JoinCoordinator(NodeManager manager, ILoggerFactory loggerFactory, TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan MembershipRetryWindow = TimeSpan.FromSeconds(10);

    private readonly ILogger _log = loggerFactory.CreateLogger("RaftActors.Host.Join");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public async Task<JoinResponse> AdmitAsync(NodeContext context, JoinRequest request, CancellationToken cancellationToken)
    {
        try
        {
            Check(request);
            await CheckCallbackAsync(request, cancellationToken).ConfigureAwait(false);
            var response = await AllocateAndAddAsync(context, request, cancellationToken).ConfigureAwait(false);
            LogMessages.Admitted(_log, request.Peer!, response.Id);
            return response;
        }
        catch (ApiException ex)
        {
            LogMessages.JoinRefused(_log, request.Peer, ex.Message);
            throw;
        }
    }

    private void Check(JoinRequest request)
    {
        if (string.IsNullOrEmpty(request.Peer) || !PeerAddress.TryNormalize(request.Peer, out _, out _))
        {
            throw new ApiException(400, ApiCodes.BadJoinRequest, "'peer' must be the joiner's peer address, ip:port");
        }
        if (request.Http is null || !NodeHostOptionsValidator.IsHttpUrl(request.Http)) throw new ApiException(400, ApiCodes.BadJoinRequest, "'http' must be the joiner's HTTP URL");
        if (string.IsNullOrEmpty(request.Code)) throw new ApiException(400, ApiCodes.BadJoinRequest, "'code' is required");
        if (request.ClusterId != manager.ClusterId)
        {
            throw new ApiException(403, ApiCodes.BadJoinRequest, $"this node belongs to cluster '{manager.ClusterId}', not '{request.ClusterId}'");
        }
        var age = clock.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(request.Timestamp);
        if (age.Duration() > JoinProof.MaxClockSkew)
        {
            throw new ApiException(400, ApiCodes.BadJoinRequest, "the request's timestamp is more than 5 minutes off this node's clock");
        }
        if (!JoinProof.Verify(manager.Secret, request))
        {
            throw new ApiException(403, ApiCodes.BadJoinRequest, "the proof does not match: the joiner was started with a different --secret");
        }
    }

    /// <summary>The joiner's advertised URL must reach the joiner itself: it answers with the code it sent us.</summary>
    private async Task CheckCallbackAsync(JoinRequest request, CancellationToken cancellationToken)
    {
        Envelope<JoinCodeView>? reply;
        try
        {
            reply = await _http.GetFromJsonAsync($"{request.Http!.TrimEnd('/')}/raft/api/joinCode", HostJson.Default.EnvelopeJoinCodeView, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
        {
            throw new ApiException(502, ApiCodes.AddressCheckFailed, $"could not call the joiner back at {request.Http}: {ex.Message}");
        }
        if (reply?.Data?.Code != request.Code)
        {
            throw new ApiException(409, ApiCodes.AddressCheckMismatch, $"the node at {request.Http} answered with another code: it is not the joiner");
        }
    }

    private async Task<JoinResponse> AllocateAndAddAsync(NodeContext context, JoinRequest request, CancellationToken cancellationToken)
    {
        var raft = context.Raft;
        PeerAddress.TryNormalize(request.Peer, out var peer, out _);
        var registry = await NodeManager.ReadMembersAsync(context, ReadConsistency.Linearizable, cancellationToken).ConfigureAwait(false);
        var holder = registry.Members.FirstOrDefault(m => !m.Removed && string.Equals(m.Peer, peer, StringComparison.OrdinalIgnoreCase));
        var before = await raft.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        if (holder is not null && holder.Id != request.ExistingId && before.Members.Any(m => m.NodeId == holder.Id && m.IsVoter))
        {
            // A voter that lost its disk must not come back under its old id: it could vote without the log it
            // acknowledged. A learner never counted toward a quorum, so a joiner that crashed mid-join gets its id back.
            throw new ApiException(409, ApiCodes.IdAddressMismatch,
                $"{peer} belongs to live node {holder.Id}; remove it first (deleteNode {holder.Id}) or restart that node with its data");
        }
        var allocated = await NodeManager.ProposeMembersAsync(raft, new MembersCommand { Op = "allocate", Peer = peer, Http = request.Http }, cancellationToken)
            .ConfigureAwait(false);
        if (!allocated.Ok) throw new ApiException(409, ApiCodes.IdAddressMismatch, allocated.Error ?? "the id could not be allocated");
        var status = await raft.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        if (status.Members.All(m => m.NodeId != allocated.Id))
        {
            await AddLearnerAsync(raft, allocated.Id, peer, cancellationToken).ConfigureAwait(false);
            status = await raft.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        var peers = status.Members.ToDictionary(m => m.NodeId.ToString(CultureInfo.InvariantCulture), m => m.Address);
        peers[raft.NodeId.ToString(CultureInfo.InvariantCulture)] = manager.PeerAddress;
        peers[allocated.Id.ToString(CultureInfo.InvariantCulture)] = peer;
        return new JoinResponse(allocated.Id, allocated.Existing, peers);
    }

    /// <summary>Another membership change in flight refuses ours; concurrent joins therefore wait their turn.</summary>
    private static async Task AddLearnerAsync(RaftNode raft, ulong id, string peer, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            try
            {
                await raft.AddLearnerAsync(id, peer, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RaftNodeException ex) when (ex.Code == RaftErrorCode.MembershipChangeRefused && DateTime.UtcNow - started < MembershipRetryWindow)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
