using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RaftActors.Host.Node;

namespace RaftActors.Host.Tests.Support;

/// <summary>
/// One node built by <see cref="NodeApplication"/> inside the test process, on the real Kestrel at 127.0.0.1.
/// Unlike the <c>InProcessNode</c> fixture it does not wait for the node to serve, so a test can look at it
/// while it starts, and it lets the test reach the application's services before the node starts.
/// </summary>
internal sealed class InProcessHost : IAsyncDisposable
{
    public const string Secret = "in-process-host-secret-0123456789";

    private bool _started;

    private InProcessHost(WebApplication app, int peerPort)
    {
        App = app;
        PeerPort = peerPort;
    }

    public WebApplication App { get; }

    public int PeerPort { get; }

    public NodeManager Manager => App.Services.GetRequiredService<NodeManager>();

    public ApiClient Api { get; private set; } = null!;

    /// <summary>Builds the application without starting it: <paramref name="extra"/> follows the common settings and wins.</summary>
    public static InProcessHost Build(string dataDir, string clusterId, params string[] extra)
    {
        var peerPort = TestPorts.Free(1)[0];
        var app = NodeApplication.Build(["--http-port", "0", "--host", $"127.0.0.1:{peerPort}", "--data-dir", dataDir,
            "--secret", Secret, "--cluster-id", clusterId, "--tick-ms", "50", .. extra]);
        return new InProcessHost(app, peerPort);
    }

    /// <summary>Starts Kestrel (the node starts behind it) and waits only until the HTTP URL is known.</summary>
    public async Task StartAsync()
    {
        await App.StartAsync();
        _started = true;
        var manager = Manager;
        await Poll.UntilAsync(() => Task.FromResult(manager.HttpUrl.Length > 0), TimeSpan.FromSeconds(20), "the HTTP URL");
        Api = new ApiClient(manager.HttpUrl);
    }

    public Task WaitHealthyAsync() => Poll.UntilAsync(Api.HealthyAsync, TimeSpan.FromSeconds(30), "the node to serve");

    /// <summary>Waits until the node serves and its own registry entry is applied (<see cref="ApiClient.RegisteredAsync"/>).</summary>
    public async Task WaitRegisteredAsync()
    {
        await WaitHealthyAsync();
        await Poll.UntilAsync(Api.RegisteredAsync, TimeSpan.FromSeconds(30), "the node's own registry entry");
    }

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        if (_started) await App.StopAsync();
        await App.DisposeAsync();
    }
}
