using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RaftActors.Tests.Shared;

namespace RaftActors.Host.Tests.Support;

/// <summary>
/// One real host process (<c>dotnet RaftActors.Host.dll ...</c>) on 127.0.0.1, its output kept for failure
/// messages. Killed with its whole process tree on dispose.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    private readonly string? _workingDirectory;
    private readonly IReadOnlyDictionary<string, string>? _environment;

    private HostProcess(string name, IReadOnlyList<string> args, string? workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        Name = name;
        Args = args;
        _workingDirectory = workingDirectory;
        _environment = environment;
    }

    public string Name { get; }
    public IReadOnlyList<string> Args { get; }
    public int Id => _process?.Id ?? 0;
    public bool HasExited => _process is { HasExited: true };
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static HostProcess Start(string name, IEnumerable<string> args, string? secret = null, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var host = new HostProcess(name, [.. args], workingDirectory, environment);
        host.Launch(secret);
        return host;
    }

    /// <summary>Starts the same command again (after a kill): same ports, same data folder.</summary>
    public void Restart(string? secret = null) => Launch(secret);

    private void Launch(string? secret)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (_workingDirectory is not null) start.WorkingDirectory = _workingDirectory;
        start.ArgumentList.Add(HostBinary.Dll);
        foreach (var arg in Args) start.ArgumentList.Add(arg);
        if (secret is not null) start.Environment["RAFTACTORS_Node__Secret"] = secret;
        start.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in _environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>kill -9: no graceful anything.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
    }

    /// <summary>
    /// Whether this process ignores SIGINT, as every command a non-interactive shell starts in the background does
    /// (<c>.ci/run &amp;</c>). The host processes inherit that, and a process cannot undo an inherited ignore through
    /// .NET's signal registration: Ctrl+C cannot reach them then, only SIGTERM can.
    /// </summary>
    public static bool InterruptIgnored { get; } = ReadInterruptIgnored();

    private static bool ReadInterruptIgnored()
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) : null;
        return line is not null
            && ulong.TryParse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var mask)
            && (mask & (1UL << (2 - 1))) != 0; // SIGINT is signal 2: bit 1 of the mask
    }

    /// <summary>Sends a POSIX signal (SIGTERM, SIGINT) the way a service manager or a terminal would.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {Id}") { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process!.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    public override string ToString() => $"{Name}:\n{Output}";
}

/// <summary>Free loopback ports, and temporary data folders removed at the end.</summary>
internal static class TestPorts
{
    public static int[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var listener in listeners) listener.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners) listener.Stop();
        return ports;
    }
}

internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("raftactors-host-").FullName;

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A killed process may still hold a file for a moment; the OS cleans temp eventually.
        }
    }
}
