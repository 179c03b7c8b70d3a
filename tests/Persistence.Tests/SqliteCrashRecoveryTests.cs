using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace RaftActors.Persistence.Tests;

/// <summary>
/// A writer process is killed (SIGKILL, whole process tree) while it saves batches; every index it reported
/// durable must be in the reopened journal, and the journal must be consistent.
/// </summary>
public sealed class SqliteCrashRecoveryTests
{
    private const int SavesBeforeKill = 150;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Every_index_a_killed_writer_reported_durable_survives(int kills)
    {
        using var folder = new TempFolder();
        ulong reported = 0;
        // Later kills land on a recovered journal: recovery must leave it writable and sound.
        for (var i = 0; i < kills; i++) reported = Math.Max(reported, await RunAndKill(folder.JournalPath));

        using var journal = SqliteJournal.Open(folder.JournalPath);
        var state = journal.State;
        Assert.True(state.LastIndex >= reported, $"the writer reported {reported} durable but the journal ends at {state.LastIndex}");
        Assert.True(state.FirstIndex - 1 <= state.Snapshot.Index, "entries were compacted without a snapshot covering them");
        var entries = journal.Entries(state.FirstIndex, state.LastIndex + 1);
        Assert.Equal(state.LastIndex - state.FirstIndex + 1, (ulong)entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            Assert.Equal(state.FirstIndex + (ulong)i, entries[i].Index);
            Assert.Equal(Data(entries[i].Index), entries[i].Data);
            if (i > 0) Assert.True(entries[i].Term >= entries[i - 1].Term, $"term goes down at entry {entries[i].Index}");
        }
        if (state.Snapshot.Index > 0)
        {
            using var snapshot = journal.OpenSnapshot();
            Assert.Equal(Payload(state.Snapshot.Index), snapshot!.ReadAllBytes());
        }
    }

    /// <summary>Runs the writer until it has reported <see cref="SavesBeforeKill"/> saves, kills it, and returns the highest index it reported.</summary>
    private static async Task<ulong> RunAndKill(string journalPath)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CrashWriterPath());
        start.ArgumentList.Add(journalPath);
        using var process = new Process { StartInfo = start };
        long highest = 0;
        var lines = 0;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line || !line.StartsWith("durable ", StringComparison.Ordinal)) return;
            var index = long.Parse(line["durable ".Length..], CultureInfo.InvariantCulture);
            lock (errors)
            {
                highest = Math.Max(highest, index);
                if (++lines >= SavesBeforeKill) enough.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(enough.Task, exited, Task.Delay(Deadline));
            Assert.True(first == enough.Task, $"the writer did not report {SavesBeforeKill} saves in time (exited: {process.HasExited}): {errors}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            // Also drains stdout, so every line written before the kill is counted.
            await process.WaitForExitAsync();
        }
        lock (errors) return (ulong)highest;
    }

    private static string CrashWriterPath()
    {
        var path = typeof(SqliteCrashRecoveryTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "CrashWriterPath").Value!;
        Assert.True(File.Exists(path), $"the crash writer was not built at {path}");
        return Path.GetFullPath(path);
    }

    // The crash writer's data, which depends on the index only (tests/Persistence.CrashWriter/Program.cs).
    private static byte[] Data(ulong index) => Encoding.UTF8.GetBytes($"crash-entry-{index}".PadRight(120, '.'));

    private static byte[] Payload(ulong index) => Encoding.UTF8.GetBytes($"state up to {index}");

    private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
