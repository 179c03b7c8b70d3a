using System.Net;
using System.Net.Sockets;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// A host whose ports are taken by another process exits with code 2 and one line that names the port, instead of
/// stack traces: the generic host reported its own background services as crashed, and Akka.Remote's bind failure
/// arrived five aggregate exceptions deep.
/// </summary>
public sealed class ListenFailureTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_taken_http_port_exits_with_2_naming_the_port_and_reports_no_crashed_service()
    {
        var ports = TestPorts.Free(2);
        using var taken = Occupy(ports[0]);
        await using var process = HostProcess.Start("http-taken", ["--http-port", $"{ports[0]}", "--host", $"127.0.0.1:{ports[1]}", "--data-dir", _dir.Sub("a")]);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"Could not listen: Failed to bind to address http://127.0.0.1:{ports[0]}: address already in use. Is another node using that --http-port?",
            process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("BackgroundService failed", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_peer_port_exits_with_2_and_one_line_naming_the_peer_address()
    {
        var ports = TestPorts.Free(2);
        using var taken = Occupy(ports[1]);
        await using var process = HostProcess.Start("peer-taken", ["--http-port", $"{ports[0]}", "--host", $"127.0.0.1:{ports[1]}", "--data-dir", _dir.Sub("b")]);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"Node could not start: cannot listen for peers at 127.0.0.1:{ports[1]}: Address already in use", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("One or more errors occurred", process.Output, StringComparison.Ordinal);
    }

    private static TcpListener Occupy(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        return listener;
    }
}
