using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using RaftActors.Actors;
using RaftActors.Host.Diagnostics;
using RaftActors.Host.Node;
using RaftActors.Host.Services;

namespace RaftActors.Host.Api;

/// <summary>The eosc client API under <c>/raft/api/</c>, plus <c>/health</c>.</summary>
internal static partial class ClientApi
{
    public static IEndpointRouteBuilder MapClientApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", Health);
        var api = endpoints.MapGroup("/raft/api").AddEndpointFilter<RouteGroupBuilder, ApiAuthorization>();
        api.MapPost("/set", Set);
        api.MapGet("/get", Get);
        api.MapGet("/status", Status);
        api.MapGet("/getPeerList", GetPeerList);
        api.MapPost("/addNode", AddNode);
        api.MapPost("/deleteNode", DeleteNode);
        api.MapPost("/transferLeader", TransferLeader);
        api.MapPost("/leave", Leave);
        api.MapPost("/join", Join);
        api.MapGet("/joinCode", JoinCode);
        return endpoints;
    }

    public static JsonHttpResult<HealthView> Health(NodeManager manager) =>
        manager.Current is { } context
            ? TypedResults.Json(new HealthView("ok", context.Raft.NodeId, manager.HttpUrl), HostJson.Default.HealthView)
            : TypedResults.Json(new HealthView("starting", 0, manager.HttpUrl), HostJson.Default.HealthView, statusCode: 503);

    /// <summary>
    /// Proposes a key-value write; the reply is the applied record (after commit, on this node's copy of the leader's
    /// answer). With <c>Raft-Client-Id</c> and <c>Raft-Sequence</c> (<see cref="ClientSession"/>) a retry is applied once.
    /// </summary>
    public static Task<IResult> Set(HttpContext http, NodeManager manager, HostMetrics metrics) =>
        ApiResults.Run(http, async () =>
        {
            var session = ClientSession.Read(http.Request);
            var body = await BodyReader.ReadAsync(http.Request, RequestJson.Default.SetBody,
                form => new SetBody(form.Text("key"), form.Text("value")), http.RequestAborted).ConfigureAwait(false);
            if (string.IsNullOrEmpty(body.Key)) throw new ApiException(400, ApiCodes.BadProposal, "'key' is required: send {\"key\": \"...\", \"value\": \"...\"}");
            if (body.Key.Length > KeyValueService.MaxKeyLength) throw new ApiException(400, ApiCodes.BadProposal, $"'key' is longer than {KeyValueService.MaxKeyLength} characters");
            if (body.Value is null) throw new ApiException(400, ApiCodes.BadProposal, "'value' is required (a string; empty is allowed)");
            if (!IsValidText(body.Key) || !IsValidText(body.Value))
            {
                throw new ApiException(400, ApiCodes.BadProposal, "'key' and 'value' must be valid Unicode text (a \\u escape left a lone surrogate)");
            }
            var raft = Running(manager).Raft;
            ProposalSize.Check(body.Key, body.Value, raft.MaxProposalBytes);
            var request = JsonSerializer.SerializeToUtf8Bytes(new KvRequest { Op = "set", Key = body.Key, Value = body.Value }, HostJson.Default.KvRequest);
            var started = HostMetrics.StartProposal();
            try
            {
                var reply = await raft.ProposeAsync(KeyValueService.Name, request, session, http.RequestAborted).ConfigureAwait(false);
                metrics.EndProposal(started, "ok");
                if (reply.Length == 0) throw new ApiException(500, ApiCodes.ProposalFailed, "the service returned no record", Outcomes.Unknown);
                return new ServiceJson(reply);
            }
            catch (RaftNodeException ex)
            {
                metrics.EndProposal(started, ex.Code.ToString());
                throw;
            }
        });

    /// <summary>Reads a key: linearizable by default, the local copy with <c>consistency=stale</c>.</summary>
    public static Task<IResult> Get(HttpContext http, NodeManager manager) =>
        ApiResults.Run(http, async () =>
        {
            var key = QueryReader.Single(http.Request, "key");
            var consistency = QueryReader.Single(http.Request, "consistency");
            if (string.IsNullOrEmpty(key)) throw new ApiException(400, ApiCodes.BadProposal, "the query parameter 'key' is required: /raft/api/get?key=...");
            var level = consistency?.ToUpperInvariant() switch
            {
                null or "" or "LINEARIZABLE" => ReadConsistency.Linearizable,
                "STALE" => ReadConsistency.Stale,
                _ => throw new ApiException(400, ApiCodes.BadProposal, $"consistency '{FormFields.Shorten(consistency)}' is unknown: use linearizable or stale"),
            };
            var raft = Running(manager).Raft;
            var reply = await raft.QueryAsync(KeyValueService.Name, Encoding.UTF8.GetBytes(key), level, cancellationToken: http.RequestAborted).ConfigureAwait(false);
            if (reply.Length == 0) throw new ApiException(404, ApiCodes.ProposalFailed, $"no value is stored under '{FormFields.Shorten(key)}'");
            return new ServiceJson(reply);
        });

    /// <summary>Text that survives UTF-8: no lone surrogate (JSON's <c>\\uD800</c> decodes to one).</summary>
    private static bool IsValidText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }

    public static Task<IResult> Status(HttpContext http, NodeManager manager) =>
        ApiResults.Run(http, async () =>
        {
            var context = Running(manager);
            var status = await context.Raft.GetStatusAsync(http.RequestAborted).ConfigureAwait(false);
            var registry = await NodeManager.ReadMembersAsync(context, ReadConsistency.Stale, http.RequestAborted).ConfigureAwait(false);
            var urls = registry.Members.Where(m => !m.Removed).ToDictionary(m => m.Id, m => m.Http);
            var members = status.Members
                .Select(m => new MemberView(m.NodeId, m.Address, urls.GetValueOrDefault(m.NodeId), m.IsVoter, m.MatchIndex, m.Reachable))
                .ToList();
            return new StatusView(status.NodeId, Mode(status), status.Role.ToString(), status.Term, status.Leader,
                urls.GetValueOrDefault(status.Leader), status.CommitIndex, status.AppliedIndex, status.LastIndex, manager.HttpUrl, manager.PeerAddress, members);
        });

    /// <summary>eosc's peer list: node id → peer address, as this node's configuration holds it.</summary>
    public static Task<IResult> GetPeerList(HttpContext http, NodeManager manager) =>
        ApiResults.Run(http, async () =>
        {
            var status = await Running(manager).Raft.GetStatusAsync(http.RequestAborted).ConfigureAwait(false);
            var peers = status.Members.ToDictionary(m => m.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture), m => m.Address);
            peers.TryAdd(status.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture), manager.PeerAddress);
            return peers;
        });

    /// <summary>A standalone node is a one-voter cluster: its configuration holds only itself.</summary>
    internal static string Mode(NodeStatus status) => status.Members.Any(m => m.NodeId != status.NodeId) ? "cluster" : "standalone";

    internal static NodeContext Running(NodeManager manager) =>
        manager.Current ?? throw new ApiException(503, ApiCodes.NoLeader, "the node is starting or changing mode; retry shortly");
}
