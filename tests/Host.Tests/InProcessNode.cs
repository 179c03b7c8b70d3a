using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RaftActors.Host.Node;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>A standalone node inside the test process, on the real Kestrel at 127.0.0.1 with a free port.</summary>
public sealed class InProcessNode : IAsyncLifetime
{
    public const string Secret = "in-process-test-secret-0123456789";

    private readonly TempDir _dir = new();
    private WebApplication? _app;

    internal ApiClient Api { get; private set; } = null!;

    internal string DataDir => _dir.Path;

    public async Task InitializeAsync()
    {
        var peerPort = TestPorts.Free(1)[0];
        _app = NodeApplication.Build(["--http-port", "0", "--host", $"127.0.0.1:{peerPort}", "--data-dir", _dir.Path,
            "--secret", Secret, "--cluster-id", "inproc", "--tick-ms", "50", "--max-body-bytes", "4096"]);
        await _app.StartAsync();
        var manager = _app.Services.GetRequiredService<NodeManager>();
        await Poll.UntilAsync(() => Task.FromResult(manager.HttpUrl.Length > 0), TimeSpan.FromSeconds(20), "the HTTP URL");
        Api = new ApiClient(manager.HttpUrl);
        await Poll.UntilAsync(Api.HealthyAsync, TimeSpan.FromSeconds(30), "the node to start");
        Assert.True((await Api.SetAsync("sentinel", "before")).Ok);
        // The node records itself in the membership registry in the background; wait for it so the log is quiet.
        await Poll.UntilAsync(Api.RegisteredAsync, TimeSpan.FromSeconds(20), "the node to register itself");
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _dir.Dispose();
    }
}
