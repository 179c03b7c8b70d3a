using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using RaftActors.Host.Configuration;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// The host's command line follows the .NET conventions: --help and --version answer without starting a node,
/// an unknown option exits with 2 and names the closest known one, and every eosc switch still sets its setting.
/// </summary>
public sealed class CommandLineTests : IDisposable
{
    private static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Every switch and the configuration key it has always set (a literal list: dropping one fails).</summary>
    public static TheoryData<string, string, string> Switches => new()
    {
        { "--http-port", "9001", "Node:HttpPort" },
        { "--http-bind", "0.0.0.0", "Node:HttpBind" },
        { "--http-url", "http://10.0.0.1:9001", "Node:HttpUrl" },
        { "--admin-token", "an-admin-token-of-16-bytes", "Node:AdminToken" },
        { "--client-token", "a-client-token-of-16-bytes", "Node:ClientToken" },
        { "--allow-unauthenticated", "true", "Node:AllowUnauthenticated" },
        { "--node-id", "7", "Node:NodeId" },
        { "--host", "127.0.0.1:7007", "Node:Host" },
        { "--cluster", "true", "Node:Cluster" },
        { "--peers", "127.0.0.1:7007,127.0.0.1:7008", "Node:Peers" },
        { "--keys", "7,8", "Node:Keys" },
        { "--join", "true", "Node:Join" },
        { "--target", "http://127.0.0.1:8081", "Node:Target" },
        { "--discard-data", "true", "Node:DiscardData" },
        { "--data-dir", "somewhere", "Node:DataDir" },
        { "--cluster-id", "blue", "Node:ClusterId" },
        { "--secret", "a-secret-of-sixteen-bytes", "Node:Secret" },
        { "--max-body-bytes", "2048", "Node:MaxBodyBytes" },
        { "--tick-ms", "50", "Node:TickMilliseconds" },
        { "--snapshot-every", "99", "Node:SnapshotEvery" },
        { "--exit-on-stdin-close", "true", "Node:ExitOnStdinClose" },
        { "--log-format", "json", "Node:LogFormat" },
    };

    private async Task<HostProcess> RunToExitAsync(string name, params string[] args)
    {
        var process = HostProcess.Start(name, args, workingDirectory: _dir.Path);
        await process.WaitForExitAsync(ExitDeadline);
        return process;
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_prints_every_option_with_its_default_and_the_commands_and_starts_no_node(string help)
    {
        await using var process = await RunToExitAsync("help", help);
        Assert.True(process.ExitCode == 0, process.ToString());
        var output = process.Output;
        foreach (var name in Switches.Select(row => (string)row[0]).Append("--config").Append("--version"))
        {
            Assert.Contains(name, output, StringComparison.Ordinal);
        }
        Assert.Contains("--http-port <port>", output, StringComparison.Ordinal);
        Assert.Contains("[default: 8081]", output, StringComparison.Ordinal);
        Assert.Contains("[default: 127.0.0.1:7081]", output, StringComparison.Ordinal);
        Assert.Contains("[default: data]", output, StringComparison.Ordinal);
        // Every option line shows a default, flags included.
        var optionLines = output.Split('\n').Where(l => l.TrimStart().StartsWith("--", StringComparison.Ordinal)
            && Switches.Any(row => l.TrimStart().StartsWith((string)row[0] + " ", StringComparison.Ordinal))).ToList();
        Assert.Equal(Switches.Count, optionLines.Count);
        Assert.All(optionLines, l => Assert.Contains("[default: ", l, StringComparison.Ordinal));
        Assert.Contains("Without a command it runs one node", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+demo\s+Start a local cluster", output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Help_of_the_demo_prints_its_options_and_starts_nothing()
    {
        await using var process = await RunToExitAsync("demo-help", "demo", "--help");
        Assert.True(process.ExitCode == 0, process.ToString());
        Assert.Contains("--nodes <count>", process.Output, StringComparison.Ordinal);
        Assert.Contains("[default: 3]", process.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Version_prints_the_hosts_version()
    {
        await using var process = await RunToExitAsync("version", "--version");
        Assert.True(process.ExitCode == 0, process.ToString());
        var version = typeof(NodeHostOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(version, process.Output.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Theory]
    [InlineData("--node-idd", "--node-id")]
    [InlineData("--http-prot", "--http-port")]
    [InlineData("--snapshot-evry", "--snapshot-every")]
    [InlineData("--admin-tokn", "--admin-token")]
    public async Task A_misspelt_option_exits_with_2_and_names_the_closest_known_one(string given, string closest)
    {
        await using var process = await RunToExitAsync("misspelt", given, "5");
        Assert.True(process.ExitCode == 2, process.ToString());
        Assert.Contains($"Unknown option {given}: did you mean {closest}?", process.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task An_unknown_option_exits_with_2_and_names_a_known_one()
    {
        await using var process = await RunToExitAsync("bogus", "--bogus-flag", "5");
        Assert.True(process.ExitCode == 2, process.ToString());
        Assert.Contains("Unrecognized command or argument '--bogus-flag'", process.Output, StringComparison.Ordinal);
        Assert.Matches(@"Unknown option --bogus-flag: did you mean --[a-z-]+\?", process.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void An_unknown_option_is_refused_by_the_applications_builder_too() =>
        Assert.Contains("did you mean --http-port?", Assert.Single(
            Assert.Throws<OptionsValidationException>(() => NodeApplication.Build(["--http-prot", "0"])).Failures), StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Switches))]
    public void Every_switch_still_sets_its_setting(string name, string value, string key)
    {
        foreach (var args in new[] { new[] { name, value }, [$"{name}={value}"] })
        {
            var configuration = new ConfigurationManager();
            HostConfiguration.Apply(configuration, args);
            Assert.Equal(value, configuration[key]);
        }
    }

    [Fact]
    public void A_switch_given_twice_takes_its_last_value_but_one_switch_takes_one_value()
    {
        Assert.Equal(["--http-port", "2"], HostCommandLine.ConfigurationArgs(["--http-port", "1", "--http-port", "2"]));
        Assert.Contains("'2'", Assert.Single(Assert.Throws<OptionsValidationException>(() => HostCommandLine.ConfigurationArgs(["--http-port", "1", "2"])).Failures),
            StringComparison.Ordinal);
    }

    [Fact]
    public void The_closest_option_is_the_one_fewest_edits_away() =>
        Assert.Equal("--admin-token", HostCommandLine.Closest("--admin-tokn", ["--admin-token", "--client-token", "--data-dir"]));
}
