using System.Net;
using System.Text.Json;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// <c>GET /health</c> for a load balancer: 503 while the node starts (here: a joiner whose target is not up
/// yet, so its HTTP server answers but its node cannot run), 200 once it serves; the API refuses with
/// 120001 meanwhile instead of failing some other way.
/// </summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Health_is_503_while_a_joiner_waits_for_its_target_and_200_once_it_serves()
    {
        using var dir = new TempDir();
        var targetHttpPort = TestPorts.Free(1)[0];
        var targetUrl = $"http://127.0.0.1:{targetHttpPort}";
        await using var joiner = InProcessHost.Build(dir.Sub("joiner"), "health", "--join", "--target", targetUrl);
        await joiner.StartAsync();

        // The joiner retries while the target does not answer: its HTTP server is up, its node is not.
        var starting = await HealthAsync(joiner.Api);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, starting.Status);
        Assert.Equal("starting", starting.Body.GetProperty("status").GetString());
        var status = await joiner.Api.StatusAsync();
        Assert.True(status.Status == HttpStatusCode.ServiceUnavailable && status.Code == "120001", status.ToString());
        var write = await joiner.Api.SetAsync("early", "x");
        Assert.True(write.Status == HttpStatusCode.ServiceUnavailable && write.Code == "120001", write.ToString());

        await using var target = InProcessHost.Build(dir.Sub("target"), "health", "--http-port", $"{targetHttpPort}");
        await target.StartAsync();
        await target.WaitHealthyAsync();
        var targetHealth = await HealthAsync(target.Api);
        Assert.Equal(HttpStatusCode.OK, targetHealth.Status);
        Assert.Equal("ok", targetHealth.Body.GetProperty("status").GetString());
        Assert.Equal(1ul, targetHealth.Body.GetProperty("id").GetUInt64());
        Assert.True((await target.Api.SetAsync("shared", "1")).Ok);

        await joiner.WaitHealthyAsync();
        var serving = await HealthAsync(joiner.Api);
        Assert.Equal("ok", serving.Body.GetProperty("status").GetString());
        Assert.True(serving.Body.GetProperty("id").GetUInt64() > 1, serving.Body.ToString());
        Assert.Equal(joiner.Manager.HttpUrl, serving.Body.GetProperty("http").GetString());
        await Poll.UntilAsync(async () => await joiner.Api.ValueAsync("shared", "stale") == "1", TimeSpan.FromSeconds(20), "the joiner to catch up");
        Assert.True((await joiner.Api.SetAsync("through-joiner", "2")).Ok);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> HealthAsync(ApiClient api)
    {
        using var http = new HttpClient { BaseAddress = new Uri(api.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync("/health");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.Clone());
    }
}
