using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using RaftActors.Host.Tests.Support;
using Xunit.Abstractions;

namespace RaftActors.Host.Tests;

/// <summary>
/// Issue 11: a mutation fuzzer against a real host over HTTP (the in-process host on Kestrel at 127.0.0.1). Every
/// generated request must get an answer (no dropped connection), never a 5xx, and every error must be the eosc
/// envelope; a refused write must leave the log where it was (and the key-value state as the accepted writes made
/// it), and the node must still take a valid write at the end. Set RAFTACTORS_HTTP_FUZZ_SEED to replay a run.
/// </summary>
public sealed class HttpFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Inputs = 10_000;

    private readonly TempDir _dir = new();
    private InProcessHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = InProcessHost.Build(_dir.Path, "fuzz", "--max-body-bytes", "8192");
        await _host.StartAsync();
        await _host.WaitHealthyAsync();
        // The node records itself in the membership registry in the background; wait for it so the log is quiet.
        await Poll.UntilAsync(async () =>
        {
            var status = await _host.Api.StatusAsync();
            return status.Ok && status.Data!.Value.GetProperty("members").EnumerateArray().Any(m => m.TryGetProperty("http", out _));
        }, TimeSpan.FromSeconds(30), "the node to register itself");
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Ten_thousand_mutated_requests_get_envelopes_no_5xx_and_refused_writes_change_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("RAFTACTORS_HTTP_FUZZ_SEED"), CultureInfo.InvariantCulture, out var given)
            ? given : Random.Shared.Next();
        output.WriteLine($"http fuzz seed {seed} (replay with RAFTACTORS_HTTP_FUZZ_SEED={seed})");
        var api = _host.Api;
        var input = new HttpFuzzInput(new Random(seed), JoinBody());
        var model = new Dictionary<string, (string Value, ulong Index)>(StringComparer.Ordinal);
        var byKind = HttpFuzzInput.Kinds.ToDictionary(k => k, _ => 0);
        var byClass = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        var history = new List<string>();
        var protocolRejected = 0;
        var lastIndex = await LastIndexAsync(api);
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < Inputs; i++)
        {
            var request = input.Next();
            byKind[request.Kind]++;
            ApiReply reply;
            try
            {
                reply = await api.SendAsync(ToMessage(api.BaseUrl.TrimEnd('/'), request));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Fail(failures, i, request, $"no answer: {ex.GetType().Name}: {ex.Message}");
                continue;
            }
            var status = (int)reply.Status;
            history.Add($"#{i} {request.Method} {request.Path} {status} {reply.Raw[..Math.Min(reply.Raw.Length, 200)]} || {request}");
            var statusClass = $"{status / 100}xx";
            byClass[statusClass] = byClass.GetValueOrDefault(statusClass) + 1;
            if (request.IsMalformedHttp && status == 400 && reply.Raw.Length == 0)
            {
                protocolRejected++;
                continue;
            }
            if (status >= 500) Fail(failures, i, request, $"server error {reply}");
            else if (status >= 300 && request.Method != "HEAD" && EnvelopeProblem(reply) is { } problem) Fail(failures, i, request, $"{problem}: {reply}");
            if (!request.IsWrite) continue;

            var now = await LastIndexAsync(api);
            if (status is >= 200 and < 300)
            {
                await AcceptedAsync(api, request, reply, model);
                now = await LastIndexAsync(api);
            }
            else if (now != lastIndex && Outcome(reply) != "unknown")
            {
                Fail(failures, i, request, $"refused ({reply}) but the log moved from {lastIndex} to {now}; before: {string.Join(" | ", history.TakeLast(3))}");
            }
            lastIndex = now;
        }

        // The key-value state is what the accepted writes made it: nothing refused left a trace.
        foreach (var key in HttpFuzzInput.Keys.Concat(model.Keys).Distinct())
        {
            var value = await api.ValueAsync(key, "stale");
            var expected = model.TryGetValue(key, out var written) ? written.Value : null;
            if (value != expected) failures.Add($"key '{key}' holds '{value}', the accepted writes gave '{expected}'");
        }
        var final = await api.SetAsync("fz-final", "still-serving");
        if (!final.Ok || await api.ValueAsync("fz-final") != "still-serving") failures.Add($"the node did not take a valid write afterwards: {final}");

        output.WriteLine($"http fuzz: seed={seed}, inputs={Inputs}, by kind {string.Join(" ", byKind.Select(k => $"{k.Key}={k.Value}"))}, "
            + $"status classes {string.Join(" ", byClass.Select(c => $"{c.Key}={c.Value}"))}, refused by Kestrel as malformed HTTP={protocolRejected}, keys written={model.Count}, "
            + $"seconds={clock.Elapsed.TotalSeconds:F1}, failures={failures.Count}");
        foreach (var failure in failures.Take(30)) output.WriteLine(failure);
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} failures, first: {string.Join("\n", failures.Take(10))}");
    }

    /// <summary>
    /// A write the node took: remember a set's value, unless the answer is an older one (a session retry answered
    /// with its first answer); undo an addNode at once, so the node stays standalone.
    /// </summary>
    private static async Task AcceptedAsync(ApiClient api, FuzzRequest request, ApiReply reply, Dictionary<string, (string Value, ulong Index)> model)
    {
        if (reply.Data is not { ValueKind: JsonValueKind.Object } data) return;
        var endpoint = request.Endpoint;
        if (endpoint == "/raft/api/set" && data.TryGetProperty("key", out var key))
        {
            var index = data.GetProperty("index").GetUInt64();
            if (!model.TryGetValue(key.GetString()!, out var known) || known.Index < index) model[key.GetString()!] = (data.GetProperty("value").GetString()!, index);
        }
        else if (endpoint == "/raft/api/addnode" && data.TryGetProperty("id", out var id))
        {
            var removed = await api.PostJsonAsync("/raft/api/deleteNode", $"{{\"id\":{id.GetUInt64()}}}");
            Assert.True(removed.Ok, $"removing the node a fuzzed addNode added: {removed}");
        }
    }

    private static string? EnvelopeProblem(ApiReply reply)
    {
        if (reply.Code.Length != 6 || !reply.Code.All(char.IsAsciiDigit) || reply.Code == "000000") return "no eosc error code";
        if (string.IsNullOrWhiteSpace(reply.Msg)) return "no msg";
        if (string.IsNullOrWhiteSpace(reply.Error)) return "no error text";
        return Outcome(reply) is "not-applied" or "unknown" ? null : "no data.outcome";
    }

    private static string? Outcome(ApiReply reply) =>
        reply.Data is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("outcome", out var outcome) ? outcome.GetString() : null;

    private static void Fail(List<string> failures, int index, FuzzRequest request, string what) => failures.Add($"#{index} {request}: {what}");

    private static async Task<ulong> LastIndexAsync(ApiClient api)
    {
        var status = await api.StatusAsync();
        Assert.True(status.Ok, $"status: {status}");
        return status.Data!.Value.GetProperty("lastIndex").GetUInt64();
    }

    private static HttpRequestMessage ToMessage(string baseUrl, FuzzRequest request)
    {
        var message = RawRequest.Make(new HttpMethod(request.Method), baseUrl + request.Path, request.ContentType, request.Body);
        foreach (var (name, value) in request.Headers) message.Headers.TryAddWithoutValidation(name, value);
        return message;
    }

    /// <summary>A well-formed join request under a wrong secret: refused (403) however it is mutated.</summary>
    private static string JoinBody()
    {
        var request = new global::RaftActors.Host.Api.JoinRequest
        {
            ClusterId = "fuzz",
            Peer = "127.0.0.1:1",
            Http = "http://127.0.0.1:1",
            Code = "ABCDEF",
            Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        request = request with { Proof = global::RaftActors.Host.Node.JoinProof.Compute("not-the-fuzz-secret-0123456789", request) };
        return JsonSerializer.Serialize(request, global::RaftActors.Host.Api.HostJson.Default.JoinRequest);
    }
}
