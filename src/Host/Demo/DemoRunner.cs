using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using RaftActors.Host.Api;

namespace RaftActors.Host.Demo;

/// <summary>
/// <c>dotnet run --project src/Host -- demo</c>: a local 3-node cluster for a newcomer. Starts three child
/// processes of this same binary on free loopback ports with data under ./data/demo, shows progress, prints
/// each node's URL and the leader, and stops them gracefully on Ctrl+C or SIGTERM.
/// </summary>
internal static class DemoRunner
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);

    public static async Task<int> RunAsync(string dataDirectory, int count)
    {
        var dataDir = Path.GetFullPath(dataDirectory);
        if (count is < 1 or > 7)
        {
            await Console.Error.WriteLineAsync("--nodes must be between 1 and 7").ConfigureAwait(false);
            return 2;
        }
        // Fresh ports every run, so data from an earlier run would name stale addresses: start clean.
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        Directory.CreateDirectory(dataDir);

        var ports = FreePorts(count * 2);
        var nodes = Enumerable.Range(1, count).Select(i => new DemoNode(i, ports[i - 1], ports[count + i - 1], dataDir)).ToList();
        var peers = string.Join(',', nodes.Select(n => n.PeerAddress));
        var keys = string.Join(',', nodes.Select(n => n.Id));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var exit = 0;
        try
        {
            Console.WriteLine($"Starting a {count}-node RaftActors cluster (data in {dataDir})");
            foreach (var node in nodes)
            {
                node.Start(SelfCommand(), peers, keys, secret);
                Console.WriteLine($"  node {node.Id}: starting (peer {node.PeerAddress}, log {node.LogPath})");
            }
            foreach (var node in nodes)
            {
                await WaitReadyAsync(http, node, stop.Token).ConfigureAwait(false);
                Console.WriteLine($"  node {node.Id}: {node.HttpUrl}");
            }
            var leader = await WaitLeaderAsync(http, nodes[0], stop.Token).ConfigureAwait(false);
            var leaderNode = nodes.FirstOrDefault(n => (ulong)n.Id == leader);
            Console.WriteLine($"leader: node {leader} ({leaderNode?.HttpUrl})");
            Console.WriteLine("The demo cluster is ready. Try:");
            Console.WriteLine($"  curl -s -X POST {nodes[^1].HttpUrl}/raft/api/set -H 'Content-Type: application/json' -d '{{\"key\":\"hello\",\"value\":\"world\"}}'");
            Console.WriteLine($"  curl -s '{nodes[0].HttpUrl}/raft/api/get?key=hello'");
            Console.WriteLine($"  curl -s {nodes[0].HttpUrl}/raft/api/getPeerList");
            Console.WriteLine("Press Ctrl+C to stop.");
            while (!stop.IsCancellationRequested)
            {
                if (nodes.FirstOrDefault(n => n.HasExited) is { } dead)
                {
                    Console.WriteLine($"node {dead.Id} exited; see {dead.LogPath}. Stopping the demo.");
                    exit = 1;
                    break;
                }
                await Task.Delay(500, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl+C while starting: stop what was started.
        }
        catch (TimeoutException ex)
        {
            Console.WriteLine(ex.Message);
            exit = 1;
        }
        Console.WriteLine("Stopping the nodes...");
        await Task.WhenAll(nodes.Select(n => n.StopAsync(TimeSpan.FromSeconds(20)))).ConfigureAwait(false);
        foreach (var node in nodes) await node.DisposeAsync().ConfigureAwait(false);
        Console.WriteLine("Stopped.");
        return exit;

        void Cancel(PosixSignalContext context)
        {
            // Handled here: the demo stops its children itself rather than dying with them mid-write.
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static async Task WaitReadyAsync(HttpClient http, DemoNode node, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartDeadline;
        var dots = 0;
        while (DateTime.UtcNow < deadline)
        {
            if (node.HasExited) throw new TimeoutException($"node {node.Id} exited while starting; see {node.LogPath}");
            try
            {
                using var reply = await http.GetAsync(new Uri($"{node.HttpUrl}/health"), cancellationToken).ConfigureAwait(false);
                if (reply.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet, or too busy starting to answer within the client's timeout.
            }
            if (++dots % 10 == 0) Console.WriteLine($"  node {node.Id}: still starting...");
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"node {node.Id} did not start within {StartDeadline.TotalSeconds} s; see {node.LogPath}");
    }

    private static async Task<ulong> WaitLeaderAsync(HttpClient http, DemoNode node, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartDeadline;
        Console.WriteLine("  electing a leader...");
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var status = await http.GetFromJsonAsync(new Uri($"{node.HttpUrl}/raft/api/status"), HostJson.Default.EnvelopeStatusView, cancellationToken)
                    .ConfigureAwait(false);
                if (status?.Data is { Leader: > 0 } data) return data.Leader;
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Restarting or busy: ask again.
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"no leader was elected within {StartDeadline.TotalSeconds} s; see the node logs");
    }

    /// <summary>How to start this same host again: the apphost, or <c>dotnet host.dll</c>.</summary>
    private static List<string> SelfCommand()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        var name = Path.GetFileNameWithoutExtension(process);
        return name.Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? [process, typeof(DemoRunner).Assembly.Location]
            : [process];
    }

    /// <summary>Ports the OS hands out for port 0, released at once; a collision in the instant after is unlikely on loopback.</summary>
    internal static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var listener in listeners) listener.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }
}
