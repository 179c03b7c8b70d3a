using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RaftActors.Host.Configuration;
using RaftActors.Host.Node;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// <c>--config FILE.conf</c> reads a HOCON file (akka.raft and akka.remote.dot-netty.tcp); the eosc switches
/// override it; everything ends up as RaftSettings, and a bad value stops the host at start with exit code 2
/// and a message naming the HOCON path (and the switch that set it).
/// </summary>
public sealed class ConfigurationTests : IDisposable
{
    private const string Secret = "configuration-tests-secret-0123";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string File(string name, string text)
    {
        var path = _dir.Sub(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private string ClusterFile() => File("node3.conf", $$"""
        akka.raft {
          node-id = 3
          cluster-id = "from-file"
          data-dir = "{{_dir.Sub("node3")}}"
          secret = "{{Secret}}"
          peers {
            1 = "127.0.0.1:7301"
            2 = "127.0.0.1:7302"
            3 = "127.0.0.1:7303"
          }
          tick-interval = 40ms
          election-ticks = 25
          snapshot-every = 500
        }
        akka.remote.dot-netty.tcp {
          hostname = "127.0.0.1"
          port = 7303
        }
        """);

    private static (NodeHostOptions Options, HostRaftConfiguration Raft) Build(params string[] args)
    {
        var app = NodeApplication.Build(["--http-port", "0", .. args]);
        return (app.Services.GetRequiredService<IOptions<NodeHostOptions>>().Value, app.Services.GetRequiredService<HostRaftConfiguration>());
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "RaftActors.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException($"no RaftActors.sln above {AppContext.BaseDirectory}");
    }

    private static IReadOnlyList<string> Failures(params string[] args) =>
        [.. Assert.Throws<OptionsValidationException>(() => NodeApplication.Build(["--http-port", "0", .. args])).Failures];

    [Fact]
    public void A_HOCON_config_file_sets_the_node_and_every_Raft_setting()
    {
        var (options, raft) = Build("--config", ClusterFile());
        Assert.Equal(3ul, options.NodeId);
        Assert.Equal("127.0.0.1:7303", options.Host);
        Assert.True(options.Cluster);
        Assert.Equal("127.0.0.1:7301,127.0.0.1:7302,127.0.0.1:7303", options.Peers);
        Assert.Equal("1,2,3", options.Keys);
        Assert.Equal("from-file", options.ClusterId);
        Assert.Equal(_dir.Sub("node3"), options.DataDir);
        Assert.Equal(Secret, options.Secret);
        Assert.Equal(40, options.TickMilliseconds);
        Assert.Equal(500ul, options.SnapshotEvery);
        Assert.Equal(25, raft.Settings.ElectionTicks);

        var node = raft.NodeOptionsFor(3, new Dictionary<ulong, string> { [1] = "127.0.0.1:7301" }, join: false, _dir.Sub("node3/journal"), Secret, TimeProvider.System);
        Assert.Equal((3ul, "127.0.0.1:7303", _dir.Sub("node3/journal"), "from-file"), (node.NodeId, node.ListenAddress, node.DataDirectory, node.ClusterId));
        Assert.Equal(new Dictionary<ulong, string> { [1] = "127.0.0.1:7301" }, node.Peers);
        Assert.Equal((25, TimeSpan.FromMilliseconds(40), 500ul, 10_000ul), (node.ElectionTicks, node.TickInterval, node.SnapshotEvery, node.KeepEntriesAfterSnapshot));
    }

    [Fact]
    public void Switches_override_the_file_and_the_rest_of_the_file_still_applies()
    {
        var (options, raft) = Build("--config", ClusterFile(), "--node-id", "2", "--host", "http://127.0.0.1:7302", "--cluster-id", "from-switch",
            "--tick-ms", "70", "--snapshot-every", "90");
        Assert.Equal(2ul, options.NodeId);
        Assert.Equal("127.0.0.1:7302", options.Host);
        Assert.Equal("from-switch", options.ClusterId);
        Assert.Equal(70, options.TickMilliseconds);
        Assert.Equal(90ul, options.SnapshotEvery);
        Assert.Equal("1,2,3", options.Keys);
        Assert.Equal(_dir.Sub("node3"), options.DataDir);
        var s = raft.Settings;
        Assert.Equal((2ul, "127.0.0.1:7302", "from-switch", TimeSpan.FromMilliseconds(70), 90ul, 25), (s.NodeId, s.ListenAddress, s.ClusterId, s.TickInterval, s.SnapshotEvery, s.ElectionTicks));
        // --snapshot-every keeps as many entries after a snapshot, as the host always did.
        Assert.Equal(90ul, s.KeepEntriesAfterSnapshot);
        Assert.Equal("127.0.0.1", raft.Config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(7302, raft.Config.GetInt("akka.remote.dot-netty.tcp.port"));
    }

    [Fact]
    public void Peers_from_the_switches_replace_the_files_peers_instead_of_merging_with_them()
    {
        var (options, raft) = Build("--config", ClusterFile(), "--cluster", "--peers", "127.0.0.1:7303,127.0.0.1:7309", "--keys", "3,9");
        Assert.Equal("3,9", options.Keys);
        Assert.Equal(new Dictionary<ulong, string> { [9] = "127.0.0.1:7309" }, raft.Settings.Peers);
    }

    [Fact]
    public void The_sample_node_file_starts_node_1_of_the_local_cluster()
    {
        var sample = Path.Combine(RepositoryRoot(), "hocon", "node1.conf");
        var (options, raft) = Build("--config", sample, "--secret", Secret);
        Assert.Equal((1ul, "127.0.0.1:7001", true, "1,2,3", "data/node1", "local"), (options.NodeId, options.Host, options.Cluster, options.Keys, options.DataDir, options.ClusterId));
        Assert.Equal(4 * 1024 * 1024, raft.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
    }

    [Fact]
    public void Without_a_HOCON_file_the_switches_are_mapped_onto_HOCON_over_the_hosts_defaults()
    {
        var (options, raft) = Build("--host", "127.0.0.1:7555", "--tick-ms", "20", "--snapshot-every", "77", "--secret", Secret);
        Assert.Equal(1ul, options.NodeId);
        Assert.False(options.Cluster);
        var config = raft.Config;
        Assert.Equal(("127.0.0.1", 7555), (config.GetString("akka.remote.dot-netty.tcp.hostname"), config.GetInt("akka.remote.dot-netty.tcp.port")));
        Assert.Equal(TimeSpan.FromMilliseconds(20), config.GetTimeSpan("akka.raft.tick-interval", null, false));
        Assert.Equal((77, 77), (config.GetInt("akka.raft.snapshot-every"), config.GetInt("akka.raft.keep-entries-after-snapshot")));
        Assert.Equal(("data", "raftactors", 1L), (raft.Settings.DataDirectory, raft.Settings.ClusterId, (long)raft.Settings.NodeId));
        Assert.Equal(TimeSpan.FromSeconds(1), config.GetTimeSpan("akka.remote.retry-gate-closed-for", null, false));
        Assert.True(raft.SecretGiven);
    }

    [Fact]
    public void Without_a_secret_anywhere_it_stays_for_the_host_to_generate()
    {
        var (options, raft) = Build("--config", File("standalone.conf", $"akka.raft.data-dir = \"{_dir.Sub("alone")}\""));
        Assert.Null(options.Secret);
        Assert.False(raft.SecretGiven);
        Assert.False(raft.Config.HasPath("akka.raft.secret") && raft.Config.GetString("akka.raft.secret").Length > 0);
    }

    [Fact]
    public void A_JSON_config_file_is_read_as_before()
    {
        var (options, raft) = Build("--config", File("node.json", """{ "Node": { "NodeId": 4, "ClusterId": "json" } }"""), "--secret", Secret);
        Assert.Equal((4ul, "json"), (options.NodeId, options.ClusterId));
        Assert.Null(raft.File);
        Assert.Equal(4ul, raft.Settings.NodeId);
    }

    [Theory]
    [InlineData("akka.raft.election-ticks = 1", "akka.raft.election-ticks = 1: must be greater than heartbeat-ticks (1)")]
    [InlineData("akka.raft.secret = \"short\"", "akka.raft.secret: must be at least 16 bytes of UTF-8")]
    [InlineData("akka.raft.peers { 2 = \"127.0.0.1\" }", "akka.raft.peers.2 = 127.0.0.1: must be host:port")]
    [InlineData("akka.raft.tick-interval = soon", "akka.raft.tick-interval = soon: is not a duration")]
    [InlineData("akka.raft.max-proposal-bytes = 8MiB", "akka.raft.max-proposal-bytes = 8MiB: does not fit one peer frame")]
    [InlineData("akka.remote.dot-netty.tcp.port = 0", "akka.remote.dot-netty.tcp.port = 0: the console host needs a fixed peer port")]
    [InlineData("akka.raft.tick-interval = 5ms", "akka.raft.tick-interval = 5ms: the console host ticks in whole milliseconds from 10ms")]
    [InlineData("akka.raft { join = on\n peers { 2 = \"127.0.0.1:7302\" } }", "akka.raft.join = on with akka.raft.peers")]
    [InlineData("akka.raft {\n node-id = 2", "bad.conf:1: '{' is never closed (is the file cut short?)")]
    [InlineData("akka.raft.eletion-ticks = 9", "did you mean election-ticks?")]
    public void A_bad_value_in_the_file_is_refused_with_its_path(string text, string message) =>
        Assert.Contains(Failures("--config", File("bad.conf", text)), f => f.Contains(message, StringComparison.Ordinal));

    [Fact]
    public void A_bad_switch_over_a_file_names_the_HOCON_path_and_the_switch() =>
        Assert.Contains(Failures("--config", ClusterFile(), "--node-id", "0"),
            f => f.StartsWith("akka.raft.node-id = 0: is not set", StringComparison.Ordinal) && f.EndsWith("(given as --node-id)", StringComparison.Ordinal));

    [Fact]
    public void Host_rules_still_apply_to_the_values_from_the_file() =>
        Assert.Contains(Failures("--config", File("join.conf", "akka.raft.join = on")), f => f.Contains("--join needs --target", StringComparison.Ordinal));

    [Fact]
    public void A_missing_config_file_is_named() =>
        Assert.Equal([$"--config {_dir.Sub("missing.conf")}: no such file"], Failures("--config", _dir.Sub("missing.conf")));

    [Fact]
    public void A_switch_that_is_not_a_number_is_a_configuration_error_not_a_crash() =>
        Assert.Contains("'abc' at 'Node:NodeId'", Assert.Single(Failures("--node-id", "abc")), StringComparison.Ordinal);

    [Fact]
    public async Task A_host_process_given_a_bad_file_exits_with_code_2_and_says_what_to_fix()
    {
        var file = File("broken.conf", "akka.raft {\n  election-ticks = 1\n  peers { x = \"127.0.0.1:7302\" }\n}\n");
        await using var process = HostProcess.Start("bad-config", ["--config", file, "--http-port", "0"]);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Configuration error — fix these and start again:", process.Output, StringComparison.Ordinal);
        Assert.Contains("akka.raft.election-ticks = 1: must be greater than heartbeat-ticks (1)", process.Output, StringComparison.Ordinal);
        Assert.Contains("akka.raft.peers.x: 'x' is not a node id", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_started_from_a_HOCON_file_runs_the_node_the_file_describes()
    {
        var ports = TestPorts.Free(1);
        var file = File("node5.conf", $$"""
            akka.raft {
              node-id = 5
              cluster-id = "hocon-start"
              data-dir = "{{_dir.Sub("node5")}}"
              tick-interval = 50ms
            }
            akka.remote.dot-netty.tcp {
              hostname = "127.0.0.1"
              port = {{ports[0]}}
            }
            """);
        await using var app = NodeApplication.Build(["--config", file, "--http-port", "0", "--secret", Secret]);
        await app.StartAsync();
        try
        {
            var manager = app.Services.GetRequiredService<NodeManager>();
            await Poll.UntilAsync(() => Task.FromResult(manager.Current is not null), TimeSpan.FromSeconds(30), "the node to start");
            Assert.Equal(5ul, manager.Current!.Raft.NodeId);
            Assert.Equal($"127.0.0.1:{ports[0]}", manager.PeerAddress);
            Assert.Equal(("hocon-start", _dir.Sub("node5")), (manager.ClusterId, manager.DataDir));
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
