using System.Diagnostics;
using System.Text;
using RaftActors.Tests.Shared;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// One host process, <c>dotnet RaftActors.Host.dll</c> with fixed arguments (so a restart reuses its ports and
/// data folder), optionally as its own OS user through <c>setpriv</c> so the firewall can tell its
/// connections apart. It is started with <c>--exit-on-stdin-close</c>: if this test process dies, the
/// node's standard input closes and it exits too. Dispose kills its whole process tree.
/// </summary>
internal sealed class NodeProcess(int id, IReadOnlyList<string> args, string secret, NodeUser? user) : IDisposable
{
    private const int KeptLines = 200;
    private const int KeptWarnings = 100;
    private readonly Queue<string> _lines = new();
    // Warnings and errors are kept apart from the tail: a stall's first warning must survive the minute of
    // election lines that follows it.
    private readonly Queue<string> _warnings = new();
    private Process? _process;

    /// <summary>The node id this process runs as (the harness gives every process an id of its own, never reused).</summary>
    public int Id { get; } = id;
    public bool Paused { get; private set; }
    public bool Running => _process is { HasExited: false };
    public string ExitStatus => _process is { HasExited: true } p ? $"exit code {p.ExitCode}" : "running";

    /// <summary>The exit code once the process has exited, else null.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public void Start()
    {
        if (Running) throw new InvalidOperationException($"node {Id} is already running");
        _process?.Dispose();
        var start = new ProcessStartInfo(user is null ? "dotnet" : "setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (user is not null)
        {
            foreach (var arg in new[] { $"--reuid={user.Uid}", $"--regid={user.Gid}", "--clear-groups", "--", "dotnet" }) start.ArgumentList.Add(arg);
            start.Environment["HOME"] = user.Home;
        }
        start.ArgumentList.Add(HostBinary.Dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["RAFTACTORS_Node__Secret"] = secret;
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment["Logging__LogLevel__Microsoft"] = "Warning";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start node {Id}");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Paused = false;
    }

    /// <summary>kill -9 (of the whole tree, which is this one process: setpriv execs dotnet, which runs the host in-process).</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } p) return;
        p.Kill(entireProcessTree: true);
        p.WaitForExit();
        Paused = false;
    }

    /// <summary>
    /// A clean stop: closes standard input (the host runs with <c>--exit-on-stdin-close</c>) and waits for the exit,
    /// so the journal is closed properly (SQLite folds its write-ahead log into the database file). Kills it if it
    /// does not exit within <paramref name="timeout"/>; returns whether it stopped by itself.
    /// </summary>
    public bool Stop(TimeSpan timeout)
    {
        if (_process is not { HasExited: false } p) return true;
        if (Paused) Resume();
        p.StandardInput.Close();
        if (p.WaitForExit(timeout)) return true;
        Kill();
        return false;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit by itself; true if it did (its output then read to the end).</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (_process is not { } p) return true;
        if (!p.WaitForExit(timeout)) return false;
        p.WaitForExit();
        return true;
    }

    public void Pause()
    {
        Signal("STOP");
        Paused = true;
    }

    public void Resume()
    {
        Signal("CONT");
        Paused = false;
    }

    private void Signal(string signal)
    {
        if (_process is { HasExited: false } p) Shell.Run("kill", $"-{signal}", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public string Tail()
    {
        lock (_lines) return string.Join('\n', _lines);
    }

    /// <summary>The warnings and errors of the run (the latest <see cref="KeptWarnings"/>), then the last lines: what a failure report shows.</summary>
    public string Report()
    {
        lock (_lines)
        {
            var tail = string.Join('\n', _lines);
            return _warnings.Count == 0 ? tail : $"(warnings and errors)\n{string.Join('\n', _warnings)}\n(last lines)\n{tail}";
        }
    }

    internal void Keep(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > KeptLines) _lines.Dequeue();
            if (!IsWarning(line)) return;
            _warnings.Enqueue(line);
            while (_warnings.Count > KeptWarnings) _warnings.Dequeue();
        }
    }

    private static bool IsWarning(string line) =>
        line.Contains(" warn: ", StringComparison.Ordinal) || line.Contains(" fail: ", StringComparison.Ordinal) || line.Contains(" crit: ", StringComparison.Ordinal);

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }
        _process?.Dispose();
    }
}
