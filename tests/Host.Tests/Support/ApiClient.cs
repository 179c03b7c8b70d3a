using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RaftActors.Host.Tests.Support;

/// <summary>A reply of the host: HTTP status plus the envelope's fields.</summary>
internal sealed record ApiReply(HttpStatusCode Status, string Code, string Msg, JsonElement? Data, string? Error, string Raw)
{
    public bool Ok => Status == HttpStatusCode.OK && Code == "000000";

    public override string ToString() => $"{(int)Status} {Raw}";
}

/// <summary>Talks to one node's HTTP API the way curl would.</summary>
internal sealed class ApiClient(string baseUrl) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };

    public string BaseUrl => baseUrl;

    public Task<ApiReply> SetAsync(string key, string value) =>
        PostJsonAsync("/raft/api/set", JsonSerializer.Serialize(new { key, value }));

    public Task<ApiReply> GetAsync(string key, string? consistency = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/raft/api/get?key={Uri.EscapeDataString(key)}{(consistency is null ? "" : "&consistency=" + consistency)}"));

    public Task<ApiReply> StatusAsync() => SendAsync(new HttpRequestMessage(HttpMethod.Get, "/raft/api/status"));

    public Task<ApiReply> PeersAsync() => SendAsync(new HttpRequestMessage(HttpMethod.Get, "/raft/api/getPeerList"));

    public Task<ApiReply> PostJsonAsync(string path, string json) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });

    public Task<ApiReply> PostFormAsync(string path, params (string Key, string Value)[] fields) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Key, f.Value))) });

    public async Task<ApiReply> SendAsync(HttpRequestMessage request)
    {
        using (request)
        using (var response = await _http.SendAsync(request))
        {
            var raw = await response.Content.ReadAsStringAsync();
            try
            {
                using var doc = JsonDocument.Parse(raw);
                var root = doc.RootElement;
                return new ApiReply(response.StatusCode, Text(root, "code"), Text(root, "msg"),
                    root.TryGetProperty("data", out var data) ? data.Clone() : null,
                    root.TryGetProperty("error", out var error) ? error.GetString() : null, raw);
            }
            catch (JsonException)
            {
                return new ApiReply(response.StatusCode, "", "", null, null, raw);
            }
        }
    }

    public async Task<bool> HealthyAsync()
    {
        try
        {
            using var response = await _http.GetAsync("/health");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the node's own registry entry is applied (a member with its HTTP address in /raft/api/status): the host
    /// proposes it itself after start, so a test that compares log indexes waits for it.
    /// </summary>
    public async Task<bool> RegisteredAsync()
    {
        var status = await StatusAsync();
        return status.Ok && status.Data!.Value.GetProperty("members").EnumerateArray().Any(m => m.TryGetProperty("http", out _));
    }

    /// <summary>The leader this node knows (0 = none), from /raft/api/status.</summary>
    public async Task<ulong> LeaderAsync()
    {
        var status = await StatusAsync();
        return status.Ok ? status.Data!.Value.GetProperty("leader").GetUInt64() : 0;
    }

    public async Task<string?> ValueAsync(string key, string? consistency = null)
    {
        var reply = await GetAsync(key, consistency);
        return reply.Ok ? reply.Data!.Value.GetProperty("value").GetString() : null;
    }

    private static string Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    public void Dispose() => _http.Dispose();
}
