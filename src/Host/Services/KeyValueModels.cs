using System.Text.Json.Serialization;

namespace RaftActors.Host.Services;

/// <summary>
/// What the key-value service is asked to prepare: a client's set (<c>op</c> absent or "set"), or, when a
/// node returns to standalone, the "init" command that <see cref="KeyValueService.GetInit"/> produced.
/// </summary>
internal sealed record KvRequest
{
    [JsonPropertyName("op")] public string? Op { get; init; }
    [JsonPropertyName("key")] public string? Key { get; init; }
    [JsonPropertyName("value")] public string? Value { get; init; }
    /// <summary>The leader's clock (Unix milliseconds) at prepare time: identical on every node because it is in the log.</summary>
    [JsonPropertyName("stamp")] public long Stamp { get; init; }
    [JsonPropertyName("records")] public IReadOnlyList<KvRecord>? Records { get; init; }
}

/// <summary>One stored value with the leader's time stamp and the log index that wrote it.</summary>
internal sealed record KvRecord(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("stamp")] long Stamp,
    [property: JsonPropertyName("index")] ulong Index);
