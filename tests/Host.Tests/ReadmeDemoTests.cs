using System.Text.RegularExpressions;
using RaftActors.Host.Tests.Support;
using Xunit.Abstractions;

namespace RaftActors.Host.Tests;

/// <summary>
/// The README's newcomer path: start the demo cluster (the built host with "demo", as
/// <c>dotnet run --project src/Host -- demo</c> runs it), write through one node, read from another, stop with Ctrl+C.
/// </summary>
public sealed partial class ReadmeDemoTests(ITestOutputHelper output)
{
    [GeneratedRegex(@"node (\d): (http://127\.0\.0\.1:\d+)$", RegexOptions.Multiline)]
    private static partial Regex NodeLine();

    [Fact]
    public async Task Demo_starts_three_nodes_replicates_a_write_and_stops_on_ctrl_c()
    {
        using var dir = new TempDir();
        var demo = HostProcess.Start("demo", ["demo", "--data-dir", dir.Sub("demo")]);
        await using (demo)
        {
            try
            {
                await Poll.UntilAsync(() => Task.FromResult(demo.Output.Contains("The demo cluster is ready", StringComparison.Ordinal) || demo.HasExited),
                    TimeSpan.FromSeconds(90), "the demo to report ready");
                Assert.False(demo.HasExited, demo.Output);
                Assert.Matches(@"leader: node \d", demo.Output);
                var urls = NodeLine().Matches(demo.Output).Select(m => m.Groups[2].Value).Distinct().ToList();
                Assert.Equal(3, urls.Count);

                using var writer = new ApiClient(urls[2]);
                var written = await writer.SetAsync("hello", "world");
                Assert.True(written.Ok, written.ToString());
                using var reader = new ApiClient(urls[0]);
                Assert.Equal("world", await reader.ValueAsync("hello"));

                // Ctrl+C; SIGTERM (which the demo handles the same way) where this test run ignores SIGINT and so
                // the demo it started does too.
                demo.Signal(HostProcess.InterruptIgnored ? "TERM" : "INT");
                Assert.Equal(0, await demo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
                Assert.Contains("Stopped.", demo.Output, StringComparison.Ordinal);
                Assert.False(await reader.HealthyAsync());
            }
            catch
            {
                output.WriteLine(demo.Output);
                // The nodes' logs go with the temporary folder: keep them in the failure's output.
                foreach (var log in Directory.EnumerateFiles(dir.Sub("demo"), "node*.log"))
                {
                    output.WriteLine($"--- {Path.GetFileName(log)}");
                    output.WriteLine(File.ReadAllText(log));
                }
                throw;
            }
        }
    }
}
