using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using RaftActors.Actors;
using RaftActors.Host.Configuration;
using RaftActors.Host.Diagnostics;

namespace RaftActors.Host.Node;

/// <summary>
/// Ties the node to the generic host's lifetime: starts it once Kestrel listens (so a joiner can answer
/// the target's address check, and a port 0 is known), stops it gracefully on SIGTERM or Ctrl+C (a leader
/// hands over first), and ends the process when the node fails or the start is impossible.
/// </summary>
internal sealed class NodeHostedService(
    NodeManager manager,
    IServer server,
    IHostApplicationLifetime lifetime,
    IOptions<NodeHostOptions> options,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger _log = loggerFactory.CreateLogger("RaftActors.Host.Node");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The HTTP server never started (its port is taken): there is no node to run, and no crash to report.
            return;
        }
        // A node that lost its data must be rejoined by hand (the message says how): like a start that is impossible.
        manager.Failed += (_, failure) => Exit(failure.InnerException is NodeDataLostException ? 2 : 3);
        if (options.Value.ExitOnStdinClose) _ = Task.Run(WatchStdinAsync, stoppingToken);
        try
        {
            await manager.StartAsync(BoundUrl(), stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogMessages.StartFailed(_log, ex.Message);
            Exit(2);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await manager.StopAsync(cancellationToken).ConfigureAwait(false);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private string BoundUrl()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the HTTP server reports no address");
        // A wildcard bind is reached through the peer address' host.
        var uri = new Uri(address.Replace("0.0.0.0", PeerAddress.HostPart(PeerHost()), StringComparison.Ordinal)
            .Replace("[::]", PeerAddress.HostPart(PeerHost()), StringComparison.Ordinal));
        return $"{uri.Scheme}://{uri.Host}:{uri.Port}";
    }

    private string PeerHost() => PeerAddress.TryNormalize(options.Value.Host, out var host, out _) ? host : "127.0.0.1:0";

    private async Task WatchStdinAsync()
    {
        // The parent (the demo) closes our standard input to ask for a graceful stop on every platform.
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is not null)
        {
        }
        LogMessages.StdinClosed(_log);
        lifetime.StopApplication();
    }

    private void Exit(int code)
    {
        Environment.ExitCode = code;
        lifetime.StopApplication();
    }
}
