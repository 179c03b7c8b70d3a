using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RaftActors.Host.Api;
using RaftActors.Host.Diagnostics;

namespace RaftActors.Host.Node;

internal sealed partial class NodeManager
{
    private static readonly TimeSpan JoinDeadline = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The joiner's half of the join: offers a one-time code at its own HTTP address, asks the target with a
    /// proof of the secret, and retries while the target's cluster has no leader or is busy with another
    /// membership change. A refusal (wrong secret, wrong cluster, address in use) ends the start.
    /// </summary>
    private async Task<JoinResponse> JoinAsync(CancellationToken cancellationToken)
    {
        var target = _options.Target!.TrimEnd('/');
        LogMessages.Joining(_log, target, PeerAddress);
        PendingJoinCode = JoinProof.NewCode();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(JoinDeadline);
        try
        {
            while (true)
            {
                var request = new JoinRequest
                {
                    ClusterId = ClusterId,
                    Peer = PeerAddress,
                    Http = HttpUrl,
                    Code = PendingJoinCode,
                    ExistingId = 0,
                    DiscardData = _options.DiscardData,
                    Timestamp = clock.GetUtcNow().ToUnixTimeMilliseconds(),
                };
                request = request with { Proof = JoinProof.Compute(_secret, request) };
                var (response, retry, reason) = await TryJoinAsync(target, request, deadline.Token).ConfigureAwait(false);
                if (response is not null)
                {
                    LogMessages.Joined(_log, response.Id, response.Rejoin);
                    return response;
                }
                if (!retry) throw new InvalidOperationException($"the target {target} refused the join: {reason}");
                LogMessages.JoinRetry(_log, reason);
                await Task.Delay(TimeSpan.FromMilliseconds(500), clock, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"could not join through {target} within {JoinDeadline.TotalSeconds} s: is it running and reachable?");
        }
        finally
        {
            PendingJoinCode = null;
        }
    }

    private async Task<(JoinResponse? Response, bool Retry, string Reason)> TryJoinAsync(string target, JoinRequest request, CancellationToken cancellationToken)
    {
        HttpResponseMessage reply;
        try
        {
            reply = await _http.PostAsJsonAsync($"{target}/raft/api/join", request, HostJson.Default.JoinRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return (null, true, $"cannot reach {target}: {ex.Message}");
        }
        using (reply)
        {
            Envelope<JoinResponse>? envelope = null;
            try
            {
                envelope = await reply.Content.ReadFromJsonAsync(HostJson.Default.EnvelopeJoinResponse, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                // Not our envelope: reported below with the status.
            }
            if (reply.IsSuccessStatusCode && envelope?.Data is { } data) return (data, false, "");
            var reason = envelope is null ? $"HTTP {(int)reply.StatusCode}" : $"{envelope.Code} {envelope.Msg}: {envelope.Error}";
            var retry = reply.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.TooManyRequests;
            return (null, retry, reason);
        }
    }
}
