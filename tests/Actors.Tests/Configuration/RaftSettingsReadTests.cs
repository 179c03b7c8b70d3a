using Akka.Configuration;
using RaftActors.Actors.Configuration;

namespace RaftActors.Actors.Tests.Configuration;

/// <summary>Every setting of akka.raft is read from HOCON, with Akka's byte and time units, and reaches RaftNodeOptions.</summary>
public sealed class RaftSettingsReadTests
{
    private const string EverySetting = """
        akka.raft {
          node-id = 7
          advertised-address = "10.0.0.7:7107"
          peers {
            8 = "10.0.0.8:7108"
            9 = "node9.example:7109"
          }
          join = on
          data-dir = "/var/lib/raft/7"
          cluster-id = "orders"
          secret = "an-other-secret-of-enough-bytes"
          tick-interval = 250ms
          election-ticks = 20
          heartbeat-ticks = 3
          max-size-per-message = 512KiB
          max-inflight-messages = 32
          max-uncommitted-bytes = 16MiB
          pre-vote = off
          check-quorum = on
          lease-based-reads = on
          lease-clock-drift-ticks = 3
          snapshot-every = 500
          keep-entries-after-snapshot = 50
          request-timeout = 2s
          leader-transfer-timeout = 1500ms
          journal-plugin-id = "akka.persistence.journal.sql"
          snapshot-plugin-id = "akka.persistence.snapshot-store.sql"
          max-proposal-bytes = 256KiB
          snapshot-chunk-bytes = 32KiB
          snapshot-chunks-in-flight = 8
          peer-discovery {
            enabled = on
            role = "orders-raft"
          }
        }
        akka.remote.dot-netty.tcp {
          hostname = "0.0.0.0"
          port = 7107
          public-hostname = "10.0.0.7"
        }
        """;

    [Fact]
    public void Every_setting_is_read()
    {
        var s = RaftSettings.Create(ConfigurationFactory.ParseString(EverySetting));
        Assert.Equal(7ul, s.NodeId);
        Assert.Equal("0.0.0.0:7107", s.ListenAddress);
        Assert.Equal("10.0.0.7:7107", s.AdvertisedAddress);
        Assert.Equal(new Dictionary<ulong, string> { [8] = "10.0.0.8:7108", [9] = "node9.example:7109" }, s.Peers);
        Assert.True(s.Join);
        Assert.Equal("/var/lib/raft/7", s.DataDirectory);
        Assert.Equal("orders", s.ClusterId);
        Assert.Equal("an-other-secret-of-enough-bytes", s.Secret);
        Assert.Equal(TimeSpan.FromMilliseconds(250), s.TickInterval);
        Assert.Equal(20, s.ElectionTicks);
        Assert.Equal(3, s.HeartbeatTicks);
        Assert.Equal(512ul * 1024, s.MaxSizePerMessage);
        Assert.Equal(32, s.MaxInflightMessages);
        Assert.Equal(16ul * 1024 * 1024, s.MaxUncommittedBytes);
        Assert.False(s.PreVote);
        Assert.True(s.CheckQuorum);
        Assert.True(s.LeaseBasedReads);
        Assert.Equal(3, s.LeaseClockDriftTicks);
        Assert.Equal(500ul, s.SnapshotEvery);
        Assert.Equal(50ul, s.KeepEntriesAfterSnapshot);
        Assert.Equal(TimeSpan.FromSeconds(2), s.RequestTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), s.LeaderTransferTimeout);
        Assert.Equal("akka.persistence.journal.sql", s.JournalPluginId);
        Assert.Equal("akka.persistence.snapshot-store.sql", s.SnapshotPluginId);
        Assert.Equal(256 * 1024, s.MaxProposalBytes);
        Assert.Equal(32 * 1024, s.SnapshotChunkBytes);
        Assert.Equal(8, s.SnapshotChunksInFlight);
        Assert.True(s.PeerDiscoveryEnabled);
        Assert.Equal("orders-raft", s.PeerDiscoveryRole);
    }

    [Fact]
    public void Node_options_carry_every_setting_RaftNodeOptions_has()
    {
        var s = RaftSettings.Create(ConfigurationFactory.ParseString(EverySetting));
        var clock = new FixedTime();
        var o = s.ToNodeOptions(clock);
        Assert.Equal((s.NodeId, s.ListenAddress, s.AdvertisedAddress, s.Join, s.DataDirectory, s.ClusterId, s.Secret),
            (o.NodeId, o.ListenAddress, o.AdvertisedAddress, o.Join, o.DataDirectory, o.ClusterId, o.Secret));
        Assert.Equal(s.Peers, o.Peers);
        Assert.Equal((s.TickInterval, s.ElectionTicks, s.HeartbeatTicks, s.MaxSizePerMessage, s.MaxInflightMessages, s.MaxUncommittedBytes),
            (o.TickInterval, o.ElectionTicks, o.HeartbeatTicks, o.MaxSizePerMessage, o.MaxInflightMessages, o.MaxUncommittedBytes));
        Assert.Equal((s.PreVote, s.CheckQuorum, s.LeaseBasedReads, s.SnapshotEvery, s.KeepEntriesAfterSnapshot, s.RequestTimeout, s.LeaderTransferTimeout),
            (o.PreVote, o.CheckQuorum, o.LeaseBasedReads, o.SnapshotEvery, o.KeepEntriesAfterSnapshot, o.RequestTimeout, o.LeaderTransferTimeout));
        Assert.Same(clock, o.TimeProvider);
        o.Validate();
    }

    [Theory]
    [InlineData("1048576", 1024 * 1024)]
    [InlineData("1MiB", 1024 * 1024)]
    [InlineData("1 MiB", 1024 * 1024)]
    [InlineData("64KiB", 64 * 1024)]
    [InlineData("2000kB", 2_000_000)]
    [InlineData("128000b", 128_000)]
    public void Sizes_take_HOCON_byte_units(string written, long bytes) =>
        Assert.Equal(bytes, ConfigFixtures.Settings($"akka.raft.max-proposal-bytes = \"{written}\"").MaxProposalBytes);

    [Theory]
    [InlineData("150ms", 150)]
    [InlineData("2s", 2000)]
    [InlineData("1m", 60_000)]
    [InlineData("250", 250)]
    public void Durations_take_HOCON_time_units(string written, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), ConfigFixtures.Settings($"akka.raft.request-timeout = {written}").RequestTimeout);

    [Theory]
    [InlineData("on", true)]
    [InlineData("true", true)]
    [InlineData("off", false)]
    [InlineData("false", false)]
    public void Switches_take_on_off_and_true_false(string written, bool value) =>
        Assert.Equal(value, ConfigFixtures.Settings($"akka.raft.join = {written}").Join);

    [Fact]
    public void An_entry_for_the_node_itself_is_left_out_of_its_peers_so_every_node_can_share_one_peers_block()
    {
        var s = ConfigFixtures.Settings("akka.raft.peers { 1 = \"127.0.0.1:7001\"\n 2 = \"127.0.0.1:7002\" }");
        Assert.Equal(new Dictionary<ulong, string> { [2] = "127.0.0.1:7002" }, s.Peers);
    }

    [Fact]
    public void Without_public_hostname_or_advertised_address_the_advertised_address_is_the_listen_address() =>
        Assert.Null(ConfigFixtures.Settings().AdvertisedAddress);

    [Fact]
    public void Public_hostname_and_port_of_Akka_Remote_are_the_advertised_address()
    {
        var s = ConfigFixtures.Settings("akka.remote.dot-netty.tcp { hostname = \"0.0.0.0\"\n public-hostname = \"raft-1.example\"\n public-port = 17001 }");
        Assert.Equal("0.0.0.0:7001", s.ListenAddress);
        Assert.Equal("raft-1.example:17001", s.AdvertisedAddress);
    }

    [Fact]
    public void Port_zero_lets_Akka_Remote_pick_a_free_port() =>
        Assert.Equal("127.0.0.1:0", ConfigFixtures.Settings("akka.remote.dot-netty.tcp.port = 0").ListenAddress);

    [Fact]
    public void A_frame_size_that_holds_every_payload_is_accepted() =>
        Assert.Equal(1024 * 1024, ConfigFixtures.Settings("akka.remote.dot-netty.tcp.maximum-frame-size = 4MiB").MaxProposalBytes);

    [Fact]
    public void An_existing_persistence_plugin_section_with_a_class_is_accepted() =>
        Assert.Equal("my.journal", ConfigFixtures.Settings("akka.raft.journal-plugin-id = \"my.journal\"\nmy.journal { class = \"My.Journal, My\" }").JournalPluginId);

    [Fact]
    public void Discovery_accepts_a_cluster_node_that_carries_the_role() =>
        Assert.True(ConfigFixtures.Settings("akka.raft.peer-discovery.enabled = on\nakka.actor.provider = cluster\nakka.cluster.roles = [raft, web]").PeerDiscoveryEnabled);

    [Fact]
    public void Settings_can_come_from_an_ActorSystems_config_with_the_user_overrides_first()
    {
        var user = ConfigurationFactory.ParseString("akka.raft.election-ticks = 30").WithFallback(ConfigurationFactory.ParseString(ConfigFixtures.Required));
        var system = user.WithFallback(ConfigurationFactory.Default());
        Assert.Equal(30, RaftSettings.Create(system).ElectionTicks);
    }

    private sealed class FixedTime : TimeProvider;
}
