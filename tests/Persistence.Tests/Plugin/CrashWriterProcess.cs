using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>Runs tests/Persistence.CrashWriter in its "akka" mode and kills it (SIGKILL, whole tree) mid-write.</summary>
internal static class CrashWriterProcess
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    /// <summary>Runs the writer on <paramref name="hocon"/> until it acknowledged <paramref name="acks"/> events, kills it, returns the highest ack.</summary>
    public static async Task<long> RunAndKill(string folder, string hocon, int acks)
    {
        var hoconFile = Path.Combine(folder, "crash-writer.conf");
        await File.WriteAllTextAsync(hoconFile, hocon);
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CrashWriterPath());
        start.ArgumentList.Add("akka");
        start.ArgumentList.Add(hoconFile);
        using var process = new Process { StartInfo = start };
        long highest = 0;
        var lines = 0;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line || !line.StartsWith("ack ", StringComparison.Ordinal)) return;
            var n = long.Parse(line["ack ".Length..], CultureInfo.InvariantCulture);
            lock (errors)
            {
                highest = Math.Max(highest, n);
                if (++lines >= acks) enough.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var first = await Task.WhenAny(enough.Task, process.WaitForExitAsync(), Task.Delay(Deadline));
            Assert.True(first == enough.Task, $"the writer did not acknowledge {acks} events in time (exited: {process.HasExited}): {errors}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            // Also drains stdout, so every line written before the kill is counted.
            await process.WaitForExitAsync();
        }
        lock (errors) return highest;
    }

    private static string CrashWriterPath()
    {
        var path = typeof(CrashWriterProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "CrashWriterPath").Value!;
        Assert.True(File.Exists(path), $"the crash writer was not built at {path}");
        return Path.GetFullPath(path);
    }

    private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
