using System.Text.Json.Serialization;

namespace RaftActors.Host.Api;

/// <summary>POST /raft/api/set: the demo service's request.</summary>
internal sealed record SetBody([property: JsonPropertyName("key")] string? Key, [property: JsonPropertyName("value")] string? Value);

/// <summary>POST /raft/api/deleteNode and /raft/api/transferLeader.</summary>
internal sealed record NodeIdBody([property: JsonPropertyName("id")] ulong? Id);

/// <summary>POST /raft/api/addNode: eosc's id and host (the new node's peer address); http optional.</summary>
internal sealed record AddNodeBody(
    [property: JsonPropertyName("id")] ulong? Id,
    [property: JsonPropertyName("host")] string? Host,
    [property: JsonPropertyName("http")] string? Http);

/// <summary>A node-to-node join request. <c>proof</c> is an HMAC of the other fields under the cluster secret.</summary>
internal sealed record JoinRequest
{
    [JsonPropertyName("clusterId")] public string? ClusterId { get; init; }
    [JsonPropertyName("peer")] public string? Peer { get; init; }
    [JsonPropertyName("http")] public string? Http { get; init; }
    [JsonPropertyName("code")] public string? Code { get; init; }
    [JsonPropertyName("existingId")] public ulong ExistingId { get; init; }
    [JsonPropertyName("discardData")] public bool DiscardData { get; init; }
    [JsonPropertyName("timestamp")] public long Timestamp { get; init; }
    [JsonPropertyName("proof")] public string? Proof { get; init; }
}

internal sealed record JoinResponse(
    [property: JsonPropertyName("id")] ulong Id,
    [property: JsonPropertyName("rejoin")] bool Rejoin,
    [property: JsonPropertyName("peers")] Dictionary<string, string> Peers);

internal sealed record JoinCodeView([property: JsonPropertyName("code")] string Code);

internal sealed record MemberChangeView(
    [property: JsonPropertyName("id")] ulong Id,
    [property: JsonPropertyName("voters")] IReadOnlyList<ulong> Voters,
    [property: JsonPropertyName("learners")] IReadOnlyList<ulong> Learners);

internal sealed record LeaveView([property: JsonPropertyName("id")] ulong Id, [property: JsonPropertyName("mode")] string Mode);

internal sealed record MemberView(
    [property: JsonPropertyName("id")] ulong Id,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("http")] string? Http,
    [property: JsonPropertyName("voter")] bool Voter,
    [property: JsonPropertyName("matchIndex")] ulong? MatchIndex,
    [property: JsonPropertyName("reachable")] bool? Reachable);

internal sealed record StatusView(
    [property: JsonPropertyName("id")] ulong Id,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("term")] ulong Term,
    [property: JsonPropertyName("leader")] ulong Leader,
    [property: JsonPropertyName("leaderHttp")] string? LeaderHttp,
    [property: JsonPropertyName("commitIndex")] ulong CommitIndex,
    [property: JsonPropertyName("appliedIndex")] ulong AppliedIndex,
    [property: JsonPropertyName("lastIndex")] ulong LastIndex,
    [property: JsonPropertyName("http")] string Http,
    [property: JsonPropertyName("peer")] string Peer,
    [property: JsonPropertyName("members")] IReadOnlyList<MemberView> Members);

internal sealed record HealthView(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("id")] ulong Id,
    [property: JsonPropertyName("http")] string? Http);
