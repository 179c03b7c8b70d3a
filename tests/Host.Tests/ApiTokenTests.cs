using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using RaftActors.Host.Api;
using RaftActors.Host.Configuration;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// <c>--admin-token</c> guards the membership and control endpoints, <c>--client-token</c> set and get: 401 with
/// the envelope without the right bearer token, the token never in a log line or a reply; without tokens the API
/// stays on loopback unless serving it open is explicit, and says so at start. HTTPS from Kestrel's certificate setting.
/// </summary>
public sealed class ApiTokenTests : IDisposable
{
    private const string Admin = "admin-token-for-the-tests-0123";
    private const string Client = "client-token-for-the-tests-4567";
    private const string Wrong = "a-wrong-token-nobody-was-given";
    private static readonly string[] AdminEndpoints = ["/raft/api/addNode", "/raft/api/deleteNode", "/raft/api/transferLeader", "/raft/api/leave"];
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<(HostProcess Process, ApiClient Api)> StartAsync(string name, IReadOnlyDictionary<string, string>? environment, params string[] extra)
    {
        var ports = TestPorts.Free(2);
        var process = HostProcess.Start(name, ["--http-port", $"{ports[0]}", "--host", $"127.0.0.1:{ports[1]}", "--data-dir", _dir.Sub(name),
            "--cluster-id", "tokens", "--tick-ms", "50", .. extra], "api-token-tests-secret-0123456789", environment: environment);
        var api = new ApiClient($"http://127.0.0.1:{ports[0]}");
        try
        {
            await Poll.UntilAsync(async () => process.HasExited || await api.HealthyAsync(), TimeSpan.FromSeconds(60), "the node to serve");
            Assert.False(process.HasExited, process.ToString());
            return (process, api);
        }
        catch
        {
            api.Dispose();
            await process.DisposeAsync();
            throw;
        }
    }

    private static Task<ApiReply> SendAsync(ApiClient api, HttpMethod method, string path, string? token, string? scheme = "Bearer")
    {
        var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post) request.Content = new StringContent(path.EndsWith("/set", StringComparison.Ordinal) ? """{"key":"k","value":"v"}""" : """{"id":99,"host":"127.0.0.1:1"}""",
            System.Text.Encoding.UTF8, "application/json");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue(scheme!, token);
        return api.SendAsync(request);
    }

    private static void AssertUnauthorized(ApiReply reply, string what)
    {
        Assert.True(reply.Status == HttpStatusCode.Unauthorized, $"{what}: {reply}");
        Assert.Equal(("130001", "unauthorized"), (reply.Code, reply.Msg));
        Assert.Contains("Authorization: Bearer", reply.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_tokens_the_guarded_endpoints_answer_401_without_the_right_token_and_serve_with_it_and_no_token_is_logged()
    {
        // The admin token through the environment, the client token as a switch: both forms work.
        var (process, api) = await StartAsync("tokened", new Dictionary<string, string> { ["RAFTACTORS_Node__AdminToken"] = Admin }, "--client-token", Client);
        await using (process)
        using (api)
        {
            foreach (var path in AdminEndpoints)
            {
                AssertUnauthorized(await SendAsync(api, HttpMethod.Post, path, null), $"{path} without a token");
                AssertUnauthorized(await SendAsync(api, HttpMethod.Post, path, Wrong), $"{path} with a wrong token");
                AssertUnauthorized(await SendAsync(api, HttpMethod.Post, path, Client), $"{path} with the client token");
                AssertUnauthorized(await SendAsync(api, HttpMethod.Post, path, Admin, "Basic"), $"{path} with another scheme");
                AssertUnauthorized(await SendAsync(api, HttpMethod.Post, path, Admin[..^1]), $"{path} with a prefix of the token");
            }
            foreach (var (method, path) in new[] { (HttpMethod.Post, "/raft/api/set"), (HttpMethod.Get, "/raft/api/get?key=k"), (HttpMethod.Get, "/RAFT/API/GET?key=k") })
            {
                AssertUnauthorized(await SendAsync(api, method, path, null), $"{path} without a token");
                AssertUnauthorized(await SendAsync(api, method, path, Wrong), $"{path} with a wrong token");
                AssertUnauthorized(await SendAsync(api, method, path, Admin), $"{path} with the admin token");
            }
            using (var missing = new HttpClient())
            {
                using var reply = await missing.GetAsync(new Uri($"{api.BaseUrl}/raft/api/get?key=k"));
                Assert.Equal("Bearer", reply.Headers.WwwAuthenticate.Single().Scheme);
            }
            Assert.False((await api.GetAsync("k")).Ok, "the refused set must not have applied");

            var set = await SendAsync(api, HttpMethod.Post, "/raft/api/set", Client);
            Assert.True(set.Ok, set.ToString());
            var get = await SendAsync(api, HttpMethod.Get, "/raft/api/get?key=k", Client);
            Assert.True(get.Ok, get.ToString());
            // The admin token lets the request through to the endpoint, which answers on its own terms.
            var delete = await SendAsync(api, HttpMethod.Post, "/raft/api/deleteNode", Admin);
            Assert.True(delete.Status != HttpStatusCode.Unauthorized && delete.Code != "130001", delete.ToString());
            // Neither token guards status, the peer list or health.
            Assert.True((await api.StatusAsync()).Ok);
            Assert.True((await api.PeersAsync()).Ok);
            Assert.True(await api.HealthyAsync());

            await Poll.UntilAsync(() => Task.FromResult(process.Output.Contains("failed with 401 130001", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10), "the refusals to be logged");
            var output = process.Output;
            foreach (var secret in new[] { Admin, Client, Wrong, Admin[..^1] }) Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
            Assert.DoesNotContain("is unauthenticated", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_tokens_the_host_serves_open_on_loopback_and_says_so_at_start()
    {
        var (process, api) = await StartAsync("open", null, "--admin-token", Admin);
        await using (process)
        using (api)
        {
            Assert.True((await api.SetAsync("k", "v")).Ok);
            AssertUnauthorized(await SendAsync(api, HttpMethod.Post, "/raft/api/transferLeader", null), "transferLeader");
            await Poll.UntilAsync(() => Task.FromResult(process.Output.Contains("is unauthenticated", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the warning");
            Assert.Contains("The HTTP API on 127.0.0.1:", process.Output, StringComparison.Ordinal);
            Assert.Contains("set and get accept any caller that reaches it; set --client-token", process.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("addNode, deleteNode, transferLeader and leave accept any caller", process.Output, StringComparison.Ordinal);
        }
    }

    private static IReadOnlyList<string> Failures(params string[] args) =>
        [.. Assert.Throws<OptionsValidationException>(() => NodeApplication.Build(["--http-port", "0", .. args])).Failures];

    [Fact]
    public void A_non_loopback_bind_without_both_tokens_is_refused_unless_serving_open_is_explicit()
    {
        Assert.Contains($"--http-bind 0.0.0.0 serves the HTTP API beyond this machine without --admin-token and --client-token: give --admin-token and --client-token, or --allow-unauthenticated to serve it open",
            Failures("--http-bind", "0.0.0.0"));
        Assert.Contains(Failures("--http-bind", "0.0.0.0", "--admin-token", Admin), f => f.Contains("without --client-token:", StringComparison.Ordinal));
        foreach (var args in new[] { new[] { "--http-bind", "0.0.0.0", "--allow-unauthenticated" }, ["--http-bind", "0.0.0.0", "--admin-token", Admin, "--client-token", Client] })
        {
            using var app = NodeApplication.Build(["--http-port", "0", "--data-dir", _dir.Sub("bind"), .. args]);
            Assert.Equal("0.0.0.0", app.Services.GetRequiredService<IOptions<NodeHostOptions>>().Value.HttpBind);
        }
    }

    [Theory]
    [InlineData("--admin-token", "short-token")]
    [InlineData("--client-token", "a token with spaces in it")]
    public void A_weak_token_is_refused_without_being_echoed(string name, string token)
    {
        var failure = Assert.Single(Failures(name, token));
        Assert.Equal($"{name} must be at least 16 bytes long, without spaces or control characters", failure);
    }

    [Fact]
    public void The_admin_and_client_tokens_must_differ() =>
        Assert.Contains("--admin-token and --client-token must differ: a client could otherwise change the membership", Failures("--admin-token", Admin, "--client-token", Admin));

    [Fact]
    public void Tokens_come_from_a_HOCON_file_and_a_switch_wins_over_it()
    {
        var file = _dir.Sub("tokens.conf");
        File.WriteAllText(file, $"raftactors.http {{\n  admin-token = \"{Admin}\"\n  client-token = \"{Client}\"\n}}\nakka.raft.data-dir = \"{_dir.Sub("hocon")}\"\n");
        using var app = NodeApplication.Build(["--http-port", "0", "--config", file, "--client-token", "client-token-from-the-switch"]);
        var options = app.Services.GetRequiredService<IOptions<NodeHostOptions>>().Value;
        Assert.Equal((Admin, "client-token-from-the-switch"), (options.AdminToken, options.ClientToken));
    }

    [Fact]
    public void Only_one_bearer_credential_with_the_exact_token_matches()
    {
        var expected = ApiAuthorization.Hash(Admin)!;
        Assert.True(ApiAuthorization.Matches($"Bearer {Admin}", expected));
        Assert.True(ApiAuthorization.Matches($"bearer {Admin}", expected));
        Assert.False(ApiAuthorization.Matches($"Bearer {Admin}x", expected));
        Assert.False(ApiAuthorization.Matches($"Bearer {Admin[..^1]}", expected));
        Assert.False(ApiAuthorization.Matches(Admin, expected));
        Assert.False(ApiAuthorization.Matches(StringValues.Empty, expected));
        Assert.False(ApiAuthorization.Matches(new StringValues([$"Bearer {Wrong}", $"Bearer {Admin}"]), expected));
    }

    [Fact]
    public async Task The_api_serves_https_with_the_certificate_kestrel_is_configured_with()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = _dir.Sub("api.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
        var json = _dir.Sub("https.json");
        File.WriteAllText(json, System.Text.Json.JsonSerializer.Serialize(new
        {
            Kestrel = new { Certificates = new { Default = new { Path = pfx, Password = "pfx-password" } } },
        }));

        await using var host = InProcessHost.Build(_dir.Sub("https"), "https", "--config", json);
        await host.StartAsync();
        Assert.StartsWith("https://127.0.0.1:", host.Manager.HttpUrl, StringComparison.Ordinal);
        using var handler = new HttpClientHandler
        {
            // Trust exactly the certificate made above.
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint,
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        await Poll.UntilAsync(async () =>
        {
            using var reply = await http.GetAsync(new Uri($"{host.Manager.HttpUrl}/health"));
            return reply.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(30), "the node to serve over HTTPS");
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new Uri($"{host.Manager.HttpUrl.Replace("https", "http", StringComparison.Ordinal)}/health")));
    }

    [Fact]
    public void A_certificate_that_cannot_be_read_stops_the_host_with_its_path()
    {
        var json = _dir.Sub("bad-https.json");
        File.WriteAllText(json, System.Text.Json.JsonSerializer.Serialize(new { Kestrel = new { Certificates = new { Default = new { Path = _dir.Sub("none.pfx") } } } }));
        Assert.Contains(Failures("--config", json), f => f.StartsWith($"Kestrel:Certificates:Default:Path {_dir.Sub("none.pfx")}: the HTTPS certificate could not be loaded", StringComparison.Ordinal));
    }
}
