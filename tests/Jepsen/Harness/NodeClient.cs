using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RaftActors.Jepsen.Checker;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// A client of one node's HTTP API that turns every answer into an outcome the checker can use. A write is
/// <see cref="Outcome.Failed"/> only when the host said it never proposed it: <c>120001</c> no leader (the node
/// refuses before proposing; forwarding retries only such refusals), 429 overloaded (refused by the
/// uncommitted-size limit), 422/400 (refused by the prepare hook or the request check). Everything else
/// that is not a success is <see cref="Outcome.Unknown"/>: timeouts, 503 with <c>120005</c> (leadership lost
/// or node stopping, which the envelope does not tell apart), a reset connection, and even a refused one
/// (HttpClient may have sent the request on a pooled connection to the process just killed, then retried).
/// </summary>
internal sealed class NodeClient : IDisposable
{
    private readonly HttpClient _http;

    public NodeClient(int httpPort, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2), PooledConnectionLifetime = TimeSpan.FromSeconds(30) };
        _http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = timeout };
    }

    public async Task<(Outcome Outcome, string Detail)> SetAsync(string key, string value, CancellationToken cancel)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, string> { ["key"] = key, ["value"] = value });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/raft/api/set") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var (status, code, data, raw) = await SendAsync(request, cancel).ConfigureAwait(false);
        if (status == HttpStatusCode.OK && code == "000000")
        {
            var applied = data?.GetProperty("value").GetString();
            return applied == value ? (Outcome.Ok, raw) : throw new InvalidOperationException($"set {key}={value} was answered with another record: {raw}");
        }
        var failed = (int)status is 429 or 422 or 400 || code == "120001";
        return (failed ? Outcome.Failed : Outcome.Unknown, $"{(int)status} {code} {raw}");
    }

    /// <summary>A linearizable read (or stale): Ok with the value, Ok with null when the key holds nothing, else Unknown.</summary>
    public async Task<(Outcome Outcome, string? Value, string Detail)> GetAsync(string key, CancellationToken cancel, bool stale = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/raft/api/get?key={Uri.EscapeDataString(key)}{(stale ? "&consistency=stale" : "")}");
        var (status, code, data, raw) = await SendAsync(request, cancel).ConfigureAwait(false);
        if (status == HttpStatusCode.OK && code == "000000") return (Outcome.Ok, data?.GetProperty("value").GetString(), raw);
        if (status == HttpStatusCode.NotFound && code == "120005") return (Outcome.Ok, null, raw);
        return (Outcome.Unknown, null, $"{(int)status} {code} {raw}");
    }

    /// <summary>The node's id and the leader it knows (0 = none), or null when it does not answer.</summary>
    public async Task<(ulong Id, ulong Leader)?> StatusAsync(CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/raft/api/status");
        var (status, code, data, _) = await SendAsync(request, cancel).ConfigureAwait(false);
        if (status != HttpStatusCode.OK || code != "000000" || data is null) return null;
        return (data.Value.GetProperty("id").GetUInt64(), data.Value.GetProperty("leader").GetUInt64());
    }

    /// <summary>An admin call (addNode, deleteNode): the HTTP status (0 when no answer came), the envelope's code and the raw answer.</summary>
    public async Task<(HttpStatusCode Status, string Code, string Raw)> PostAsync(string path, string json, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        var (status, code, _, raw) = await SendAsync(request, cancel).ConfigureAwait(false);
        return (status, code, raw);
    }

    /// <summary>The node ids of <c>/raft/api/getPeerList</c>, or null when the node does not answer.</summary>
    public async Task<IReadOnlySet<int>?> PeerIdsAsync(CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/raft/api/getPeerList");
        var (status, code, data, _) = await SendAsync(request, cancel).ConfigureAwait(false);
        if (status != HttpStatusCode.OK || code != "000000" || data is not { ValueKind: JsonValueKind.Object } peers) return null;
        return peers.EnumerateObject().Select(p => int.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
    }

    /// <summary>The members of the node's configuration (id → voter) from its status, or null when it does not answer.</summary>
    public async Task<IReadOnlyDictionary<int, bool>?> MembersAsync(CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/raft/api/status");
        var (status, code, data, _) = await SendAsync(request, cancel).ConfigureAwait(false);
        if (status != HttpStatusCode.OK || code != "000000" || data is null) return null;
        return data.Value.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetInt32(), m => m.GetProperty("voter").GetBoolean());
    }

    public async Task<bool> HealthyAsync(CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        return (await SendAsync(request, cancel).ConfigureAwait(false)).Status == HttpStatusCode.OK;
    }

    private async Task<(HttpStatusCode Status, string Code, JsonElement? Data, string Raw)> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        try
        {
            using var response = await _http.SendAsync(request, cancel).ConfigureAwait(false);
            var raw = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
            try
            {
                using var doc = JsonDocument.Parse(raw);
                var root = doc.RootElement;
                var code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
                JsonElement? data = root.TryGetProperty("data", out var d) ? d.Clone() : null;
                return (response.StatusCode, code, data, raw);
            }
            catch (JsonException)
            {
                return (response.StatusCode, "", null, raw);
            }
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return (0, "refused", null, "connection refused");
        }
        catch (HttpRequestException ex)
        {
            return (0, "", null, ex.Message);
        }
        catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
        {
            return (0, "", null, "client timeout");
        }
    }

    public void Dispose() => _http.Dispose();
}
