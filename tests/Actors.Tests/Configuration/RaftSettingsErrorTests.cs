using Akka.Configuration;
using RaftActors.Actors.Configuration;

namespace RaftActors.Actors.Tests.Configuration;

/// <summary>
/// Every setting refuses bad values with a RaftConfigurationException whose message names the HOCON path,
/// shows the value and says what to write instead; all problems are reported at once.
/// </summary>
public sealed class RaftSettingsErrorTests
{
    public static TheoryData<string, string, string> BadValues => new()
    {
        { "akka.raft.node-id = 0", "akka.raft.node-id", "akka.raft.node-id = 0: is not set: give this node its own id" },
        { "akka.raft.node-id = abc", "akka.raft.node-id", "akka.raft.node-id = abc: must be a whole number" },
        { "akka.raft.node-id = -3", "akka.raft.node-id", "must be a whole number" },
        { "akka.remote.dot-netty.tcp.hostname = \"\"", "akka.remote.dot-netty.tcp.hostname", "is not set: Raft peers reach this node where Akka.Remote listens" },
        { "akka.remote.dot-netty.tcp.hostname = \"bad host!\"", "akka.remote.dot-netty.tcp.hostname", "is not a host name or IP address" },
        { "akka.remote.dot-netty.tcp.port = 70000", "akka.remote.dot-netty.tcp.port", "akka.remote.dot-netty.tcp.port = 70000: must be from 0 to 65535" },
        { "akka.raft.advertised-address = \"10.0.0.1\"", "akka.raft.advertised-address", "must be host:port" },
        { "akka.raft.advertised-address = \"http://127.0.0.1:7001\"", "akka.raft.advertised-address", "without a scheme" },
        { "akka.raft.advertised-address = \"10.0.0.1:7001\"", "akka.raft.advertised-address", "Akka.Remote answers only to its own address, 127.0.0.1:7001" },
        { "akka.raft.peers { abc = \"127.0.0.1:7002\" }", "akka.raft.peers.abc", "'abc' is not a node id" },
        { "akka.raft.peers { 0 = \"127.0.0.1:7002\" }", "akka.raft.peers.0", "'0' is not a node id" },
        { "akka.raft.peers { 2 = \"127.0.0.1\" }", "akka.raft.peers.2", "akka.raft.peers.2 = 127.0.0.1: must be host:port" },
        { "akka.raft.peers { 2 = \"127.0.0.1:99999\" }", "akka.raft.peers.2", "needs a port from 1 to 65535" },
        { "akka.raft.peers { 2 = \"not a host:7002\" }", "akka.raft.peers.2", "is not a host name or IP address" },
        { "akka.raft.peers { 2 = \"127.0.0.1:7001\" }", "akka.raft.peers.2", "node 1 has that address already" },
        { "akka.raft.peers { 2 = \"127.0.0.1:7002\"\n 3 = \"127.0.0.1:7002\" }", "akka.raft.peers.3", "node 2 has that address already" },
        { "akka.raft.peers { 1 = \"127.0.0.1:7009\" }", "akka.raft.peers.1", "this is node 1 itself, which Akka.Remote places at 127.0.0.1:7001" },
        { "akka.raft.peers { 2 = \"127.0.0.1:7002\"\n 02 = \"127.0.0.1:7003\" }", "akka.raft.peers.2", "names node 2 twice" },
        { "akka.raft.peers { 2 { host = x } }", "akka.raft.peers.2", "must be a single value, not an object" },
        { "akka.raft.peers = [\"127.0.0.1:7002\"]", "akka.raft.peers", "must be an object { }" },
        { "akka.raft.join = yes", "akka.raft.join", "akka.raft.join = yes: must be on or off" },
        { "akka.raft.data-dir = \"\"", "akka.raft.data-dir", "is not set: give the folder of this node's journal" },
        { "akka.raft.cluster-id = \"\"", "akka.raft.cluster-id", "is not set: give the same cluster name on every node" },
        { "akka.raft.cluster-id = \"a\\tb\"", "akka.raft.cluster-id", "akka.raft.cluster-id = \"a?b\": must not start or end with spaces nor hold control characters" },
        { "akka.raft.secret = \"short\"", "akka.raft.secret", "akka.raft.secret: must be at least 16 bytes of UTF-8 (it has 5)" },
        { "akka.raft.secret = \"\"", "akka.raft.secret", "is not set: give every node of the cluster the same secret" },
        { "akka.raft.tick-interval = abc", "akka.raft.tick-interval", "akka.raft.tick-interval = abc: is not a duration" },
        { "akka.raft.tick-interval = 0", "akka.raft.tick-interval", "must be from 1ms to 60s" },
        { "akka.raft.election-ticks = 1", "akka.raft.election-ticks", "akka.raft.election-ticks = 1: must be greater than heartbeat-ticks (1)" },
        { "akka.raft.election-ticks = 3\nakka.raft.heartbeat-ticks = 3", "akka.raft.election-ticks", "must be greater than heartbeat-ticks (3)" },
        { "akka.raft.heartbeat-ticks = 0", "akka.raft.heartbeat-ticks", "akka.raft.heartbeat-ticks = 0: must be from 1" },
        { "akka.raft.max-size-per-message = 0", "akka.raft.max-size-per-message", "must be from 1b to 1GiB" },
        { "akka.raft.max-inflight-messages = 0", "akka.raft.max-inflight-messages", "must be from 1 to 1000000" },
        { "akka.raft.max-uncommitted-bytes = lots", "akka.raft.max-uncommitted-bytes", "is not a size" },
        { "akka.raft.pre-vote = maybe", "akka.raft.pre-vote", "must be on or off" },
        { "akka.raft.check-quorum = 2", "akka.raft.check-quorum", "must be on or off" },
        { "akka.raft.lease-based-reads = on\nakka.raft.check-quorum = off", "akka.raft.lease-based-reads", "needs check-quorum = on" },
        { "akka.raft.lease-based-reads = on\nakka.raft.lease-clock-drift-ticks = 9", "akka.raft.lease-clock-drift-ticks", "leaves no lease" },
        { "akka.raft.snapshot-every = 0", "akka.raft.snapshot-every", "set keep-entries-after-snapshot = 0 too" },
        { "akka.raft.snapshot-every = -1", "akka.raft.snapshot-every", "must be a whole number" },
        { "akka.raft.keep-entries-after-snapshot = some", "akka.raft.keep-entries-after-snapshot", "must be a whole number" },
        { "akka.raft.request-timeout = 0s", "akka.raft.request-timeout", "must be from 1ms" },
        { "akka.raft.leader-transfer-timeout = forever", "akka.raft.leader-transfer-timeout", "is not a duration" },
        { "akka.raft.journal-plugin-id = \"\"", "akka.raft.journal-plugin-id", "must be the HOCON path of an Akka.Persistence plugin" },
        { "akka.raft.journal-plugin-id = \"my journal\"", "akka.raft.journal-plugin-id", "must be the HOCON path" },
        { "akka.raft.journal-plugin-id = \"my.journal\"\nmy.journal { dispatcher = x }", "akka.raft.journal-plugin-id", "my.journal is not an Akka.Persistence plugin: its section has no class" },
        { "akka.raft.snapshot-plugin-id = \"a..b\"", "akka.raft.snapshot-plugin-id", "must be the HOCON path" },
        { "akka.raft.max-proposal-bytes = 1.5MiB", "akka.raft.max-proposal-bytes", "is not a size: write a whole number of bytes" },
        { "akka.raft.max-proposal-bytes = 99999999999TiB", "akka.raft.max-proposal-bytes", "is too large" },
        { "akka.remote.dot-netty.tcp.maximum-frame-size = 128000b", "akka.raft.max-proposal-bytes",
            "akka.raft.max-proposal-bytes = 1MiB: does not fit one peer frame (akka.remote.dot-netty.tcp.maximum-frame-size = 128000b" },
        { "akka.remote.dot-netty.tcp.maximum-frame-size = 128000b", "akka.raft.max-size-per-message", "raise maximum-frame-size on every node to at least 1040KiB" },
        { "akka.remote.dot-netty.tcp.maximum-frame-size = huge", "akka.remote.dot-netty.tcp.maximum-frame-size", "is not a size" },
        { "akka.raft.snapshot-chunk-bytes = 12 apples", "akka.raft.snapshot-chunk-bytes", "has an unknown unit" },
        { "akka.raft.snapshot-chunk-bytes = 100b", "akka.raft.snapshot-chunk-bytes", "must be from 1KiB to 64MiB" },
        { "akka.remote.dot-netty.tcp.maximum-frame-size = 64KiB\nakka.raft { max-proposal-bytes = 32KiB\n max-size-per-message = 32KiB }",
            "akka.raft.snapshot-chunk-bytes", "a snapshot chunk this large would be dropped" },
        { "akka.raft.snapshot-chunks-in-flight = 0", "akka.raft.snapshot-chunks-in-flight", "must be from 1 to 1024" },
        { "akka.raft.peer-discovery.enabled = sometimes", "akka.raft.peer-discovery.enabled", "must be on or off" },
        { "akka.raft.peer-discovery.enabled = on\nakka.actor.provider = remote", "akka.raft.peer-discovery.enabled", "needs Akka.Cluster: set akka.actor.provider = cluster" },
        { "akka.raft.peer-discovery.role = \"two words\"", "akka.raft.peer-discovery.role", "must be an Akka.Cluster role name" },
        { "akka.raft.peer-discovery.enabled = on\nakka.cluster.roles = [web]", "akka.raft.peer-discovery.role", "add \"raft\" to the roles" },
        { "akka.raft.eletion-ticks = 20", "akka.raft.eletion-ticks", "is not a RaftActors setting: did you mean election-ticks?" },
        { "akka.raft.peer-discovery.roles = raft", "akka.raft.peer-discovery.roles", "did you mean peer-discovery.role?" },
        { "akka.raft.tick-interval { ms = 100 }", "akka.raft.tick-interval", "must be a single value, not an object" },
        { "akka.raft.election-ticks = [10]", "akka.raft.election-ticks", "must be a single value, not a list" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_refused_with_a_message_naming_its_path(string overlay, string path, string message)
    {
        var errors = ConfigFixtures.Errors(overlay);
        var error = Assert.Single(errors, e => e.Path == path);
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_setting_of_raftactors_conf_has_a_bad_value_test()
    {
        var tested = BadValues.Select(row => (string)row[1]).ToHashSet();
        var settings = RaftSettings.DefaultConfiguration().GetValue("akka.raft").GetObject().Items
            .SelectMany(item => item.Value.IsObject() && item.Key != "peers"
                ? item.Value.GetObject().Items.Keys.Select(k => $"{item.Key}.{k}") : [item.Key]);
        Assert.All(settings, key => Assert.Contains(tested, p => p == $"akka.raft.{key}" || p.StartsWith($"akka.raft.{key}.", StringComparison.Ordinal)));
    }

    [Fact]
    public void All_problems_are_reported_at_once_in_one_exception()
    {
        var ex = Assert.Throws<RaftConfigurationException>(() => ConfigFixtures.Settings("akka.raft { election-ticks = 1\n secret = \"short\"\n join = maybe }"));
        // In the order of raftactors.conf; rules between settings come last.
        Assert.Equal(["akka.raft.join", "akka.raft.secret", "akka.raft.election-ticks"], ex.Errors.Select(e => e.Path));
        Assert.StartsWith("3 settings need fixing:", ex.Message, StringComparison.Ordinal);
        Assert.All(ex.Errors, e => Assert.Contains(e.Message, ex.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_node_identity_names_every_required_setting()
    {
        var ex = Assert.Throws<RaftConfigurationException>(() => RaftSettings.Create(Config.Empty));
        Assert.Equal(
            ["akka.raft.node-id", "akka.remote.dot-netty.tcp.hostname", "akka.remote.dot-netty.tcp.port", "akka.raft.data-dir", "akka.raft.cluster-id", "akka.raft.secret"],
            ex.Errors.Select(e => e.Path));
    }

    [Fact]
    public void The_secret_itself_never_appears_in_a_message()
    {
        var ex = Assert.Throws<RaftConfigurationException>(() => ConfigFixtures.Settings("akka.raft.secret = \"hunter2-pass\""));
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_akka_raft_that_is_not_an_object_is_refused_as_a_whole()
    {
        var ex = Assert.Throws<RaftConfigurationException>(() => RaftSettings.Create(ConfigurationFactory.ParseString("akka.raft = 5")));
        Assert.Equal("akka.raft", Assert.Single(ex.Errors).Path);
        Assert.Contains("must be an object", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_in_a_shown_value_are_replaced()
    {
        var error = Assert.Single(ConfigFixtures.Errors("akka.raft.join = \"a\\u0007b\""));
        Assert.Contains("\"a?b\"", error.Message, StringComparison.Ordinal);
    }
}
