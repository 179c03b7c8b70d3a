using System.Text.Json.Serialization;

namespace RaftActors.Host.Services;

/// <summary>A node the cluster ever admitted. Removed records stay so that their ids are never handed out again.</summary>
internal sealed record MemberRecord(
    [property: JsonPropertyName("id")] ulong Id,
    [property: JsonPropertyName("peer")] string Peer,
    [property: JsonPropertyName("http")] string? Http,
    [property: JsonPropertyName("removed")] bool Removed);

/// <summary>A command of the membership registry; <c>op</c> is register, allocate, reserve or remove.</summary>
internal sealed record MembersCommand
{
    [JsonPropertyName("op")] public string Op { get; init; } = "";
    [JsonPropertyName("id")] public ulong Id { get; init; }
    [JsonPropertyName("peer")] public string? Peer { get; init; }
    [JsonPropertyName("http")] public string? Http { get; init; }
    /// <summary>Stamped by the leader's prepare: above every id in the current configuration (founding ids from --keys included).</summary>
    [JsonPropertyName("floor")] public ulong Floor { get; init; }
}

internal sealed record MembersResult(
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("id")] ulong Id,
    [property: JsonPropertyName("existing")] bool Existing,
    [property: JsonPropertyName("error")] string? Error);

internal sealed record MembersState(
    [property: JsonPropertyName("nextId")] ulong NextId,
    [property: JsonPropertyName("members")] IReadOnlyList<MemberRecord> Members);
