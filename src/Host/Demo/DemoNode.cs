using System.Diagnostics;
using System.Globalization;

namespace RaftActors.Host.Demo;

/// <summary>One child process of the demo cluster: the same host binary, its output copied to a log file.</summary>
internal sealed class DemoNode(int id, int httpPort, int peerPort, string dataDir) : IAsyncDisposable
{
    private Process? _process;
    private Task? _copy;

    public int Id => id;
    public string HttpUrl => $"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}";
    public string PeerAddress => $"127.0.0.1:{peerPort.ToString(CultureInfo.InvariantCulture)}";
    public string LogPath => Path.Combine(dataDir, $"node{id.ToString(CultureInfo.InvariantCulture)}.log");
    public bool HasExited => _process is { HasExited: true };

    public void Start(IReadOnlyList<string> self, string peers, string keys, string secret)
    {
        var start = new ProcessStartInfo(self[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in self.Skip(1)) start.ArgumentList.Add(arg);
        string[] args =
        [
            "--node-id", id.ToString(CultureInfo.InvariantCulture), "--http-port", httpPort.ToString(CultureInfo.InvariantCulture),
            "--host", PeerAddress, "--cluster", "--peers", peers, "--keys", keys,
            "--data-dir", Path.Combine(dataDir, $"node{id.ToString(CultureInfo.InvariantCulture)}"), "--cluster-id", "demo", "--exit-on-stdin-close",
        ];
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // The secret goes through the environment: command lines are visible to every user of the machine.
        start.Environment["RAFTACTORS_Node__Secret"] = secret;
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start a node process");
        var log = new StreamWriter(LogPath) { AutoFlush = true };
        _copy = Task.WhenAll(CopyAsync(_process.StandardOutput, log), CopyAsync(_process.StandardError, log))
            .ContinueWith(_ => log.Dispose(), TaskScheduler.Default);
    }

    private static async Task CopyAsync(StreamReader from, StreamWriter to)
    {
        while (await from.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (to) to.WriteLine(line);
        }
    }

    /// <summary>Closes the child's standard input (its signal to stop gracefully), then waits; kills it only if it hangs.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process is null || _process.HasExited) return;
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
            _process.Dispose();
        }
        if (_copy is not null) await _copy.ConfigureAwait(false);
    }
}
