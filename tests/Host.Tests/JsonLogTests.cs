using System.Text.Json;
using RaftActors.Host.Configuration;
using RaftActors.Host.Tests.Support;
using Xunit.Abstractions;

namespace RaftActors.Host.Tests;

/// <summary>
/// Structured logs for a log collector: with <c>--log-format json</c>, or the standard
/// <c>Logging:Console:FormatterName = json</c> setting in the <c>--config</c> file, every console line of a
/// real host process is one JSON object carrying the stable event id of <c>LogMessages</c>.
/// </summary>
public sealed class JsonLogTests(ITestOutputHelper output)
{
    private const int NodeStarting = 1001;
    private const int NodeReady = 1002;

    [Fact]
    public async Task Log_format_switch_and_standard_formatter_setting_both_give_json_lines_with_event_ids()
    {
        using var dir = new TempDir();
        var configFile = dir.Sub("json-logging.json");
        await File.WriteAllTextAsync(configFile, """{ "Logging": { "Console": { "FormatterName": "json" } } }""");
        await using var bySwitch = StartNode(dir.Sub("switch"), "--log-format", "json");
        await using var byConfig = StartNode(dir.Sub("config"), "--config", configFile);
        foreach (var process in new[] { bySwitch, byConfig })
        {
            try
            {
                await Poll.UntilAsync(() => Task.FromResult(process.HasExited ? throw new Xunit.Sdk.XunitException($"exited with {process.ExitCode}")
                    : Events(process.Output).Any(e => e.GetProperty("EventId").GetInt32() == NodeReady)), TimeSpan.FromSeconds(30), "the node-ready log line");
                var lines = process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                Assert.All(lines, line => Assert.True(IsJsonObject(line), $"not a JSON log line: {line}"));
                var starting = Events(process.Output).First(e => e.GetProperty("EventId").GetInt32() == NodeStarting);
                Assert.Equal("Information", starting.GetProperty("LogLevel").GetString());
                Assert.Equal("RaftActors.Host.Node", starting.GetProperty("Category").GetString());
                Assert.Contains("starting", starting.GetProperty("Message").GetString(), StringComparison.Ordinal);
                // The message's parameters are fields of their own, not only text.
                Assert.Equal(1ul, starting.GetProperty("State").GetProperty("NodeId").GetUInt64());
                Assert.True(DateTimeOffset.TryParse(starting.GetProperty("Timestamp").GetString(), out _));
            }
            catch
            {
                output.WriteLine(process.ToString());
                throw;
            }
        }
    }

    [Fact]
    public async Task An_unknown_log_format_is_refused_at_start_with_the_formats_to_use()
    {
        using var dir = new TempDir();
        await using var process = StartNode(dir.Path, "--log-format", "xml");
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("--log-format", process.Output, StringComparison.Ordinal);
        Assert.Contains("simple, json, systemd", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_format_validation_accepts_the_console_formatter_names() =>
        Assert.All(NodeHostOptionsValidator.LogFormats, format =>
            Assert.True(new NodeHostOptionsValidator().Validate(null, new NodeHostOptions { LogFormat = format.ToUpperInvariant() }).Succeeded));

    private static HostProcess StartNode(string data, params string[] extra)
    {
        var ports = TestPorts.Free(2);
        return HostProcess.Start("json-log", ["--http-port", $"{ports[0]}", "--host", $"127.0.0.1:{ports[1]}", "--data-dir", data,
            .. TestCluster.Common("json-log"), .. extra]);
    }

    private static List<JsonElement> Events(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(IsJsonObject)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).Where(e => e.TryGetProperty("EventId", out _))];

    private static bool IsJsonObject(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
