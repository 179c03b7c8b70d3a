using System.Net;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// Issue 8 item 4 over HTTP: a set whose command is larger than the node's largest proposal
/// (akka.raft.max-proposal-bytes) is a 413 with the envelope, and the largest accepted value is exactly the limit
/// minus the command's overhead; a body over --max-body-bytes is a 413 too, whichever limit is lower.
/// </summary>
public sealed class ProposalLimitTests : IDisposable
{
    private const int Limit = 20_000;

    private readonly TempDir _dir = new();

    private async Task<InProcessHost> StartAsync(int maxBodyBytes)
    {
        var config = _dir.Sub("limit.conf");
        await File.WriteAllTextAsync(config, $"akka.raft.max-proposal-bytes = {Limit}\n");
        var host = InProcessHost.Build(_dir.Sub("data"), "limits", "--config", config, "--max-body-bytes", maxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await host.StartAsync();
        await host.WaitRegisteredAsync();
        return host;
    }

    /// <summary>The key-value service's command for key "big": everything but the value, written as its prepare hook writes it.</summary>
    private static int Overhead() => $"{{\"op\":\"set\",\"key\":\"big\",\"value\":\"\",\"stamp\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}".Length;

    private static async Task<ulong> LastIndexAsync(ApiClient api) => (await api.StatusAsync()).Data!.Value.GetProperty("lastIndex").GetUInt64();

    [Fact]
    public async Task A_value_of_the_limit_minus_the_command_overhead_is_accepted_and_one_byte_more_is_413()
    {
        await using var host = await StartAsync(maxBodyBytes: 65_536);
        Assert.Equal(Limit, host.Manager.Current!.Raft.MaxProposalBytes);
        var largest = new string('x', Limit - Overhead());

        var accepted = await host.Api.SetAsync("big", largest);
        Assert.True(accepted.Ok, accepted.ToString());
        Assert.Equal(largest, await host.Api.ValueAsync("big"));

        var before = await LastIndexAsync(host.Api);
        var refused = await host.Api.SetAsync("big", largest + "y");
        Assert.True(refused.Status == HttpStatusCode.RequestEntityTooLarge && refused.Code == "120003", refused.ToString());
        Assert.Contains("max-proposal-bytes", refused.Error, StringComparison.Ordinal);
        Assert.Equal(Limit, refused.Data!.Value.GetProperty("limit").GetInt64());
        Assert.Equal("not-applied", refused.Data!.Value.GetProperty("outcome").GetString());
        Assert.Equal(before, await LastIndexAsync(host.Api));
        Assert.Equal(largest, await host.Api.ValueAsync("big"));
    }

    [Fact]
    public async Task A_body_over_max_body_bytes_is_413_even_when_its_command_would_fit_a_proposal()
    {
        await using var host = await StartAsync(maxBodyBytes: 4096);
        var before = await LastIndexAsync(host.Api);
        var refused = await host.Api.SetAsync("big", new string('x', 5000));
        Assert.True(refused.Status == HttpStatusCode.RequestEntityTooLarge && refused.Code == "120002", refused.ToString());
        Assert.Equal(4096, refused.Data!.Value.GetProperty("limit").GetInt64());
        Assert.Equal("not-applied", refused.Data!.Value.GetProperty("outcome").GetString());
        Assert.Equal(before, await LastIndexAsync(host.Api));
    }

    public void Dispose() => _dir.Dispose();
}
