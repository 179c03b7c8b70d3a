using Akka.Configuration;
using RaftActors.Actors.Configuration;

namespace RaftActors.Actors.Tests.Configuration;

/// <summary>raftactors.conf is the one place defaults live: they must be those RaftNodeOptions has always had.</summary>
public sealed class RaftSettingsDefaultsTests
{
    [Fact]
    public void Defaults_of_raftactors_conf_are_the_defaults_of_RaftNodeOptions()
    {
        var fromHocon = ConfigFixtures.Settings().ToNodeOptions();
        var plain = new RaftNodeOptions { NodeId = 1, ListenAddress = "127.0.0.1:7001", DataDirectory = "data/node1", ClusterId = "tests", Secret = ConfigFixtures.Secret };

        Assert.Equal(plain.NodeId, fromHocon.NodeId);
        Assert.Equal(plain.ListenAddress, fromHocon.ListenAddress);
        Assert.Equal(plain.AdvertisedAddress, fromHocon.AdvertisedAddress);
        Assert.Equal(plain.Peers, fromHocon.Peers);
        Assert.Equal(plain.Join, fromHocon.Join);
        Assert.Equal(plain.DataDirectory, fromHocon.DataDirectory);
        Assert.Equal(plain.ClusterId, fromHocon.ClusterId);
        Assert.Equal(plain.Secret, fromHocon.Secret);
        Assert.Equal(plain.TickInterval, fromHocon.TickInterval);
        Assert.Equal(plain.ElectionTicks, fromHocon.ElectionTicks);
        Assert.Equal(plain.HeartbeatTicks, fromHocon.HeartbeatTicks);
        Assert.Equal(plain.MaxSizePerMessage, fromHocon.MaxSizePerMessage);
        Assert.Equal(plain.MaxInflightMessages, fromHocon.MaxInflightMessages);
        Assert.Equal(plain.MaxUncommittedBytes, fromHocon.MaxUncommittedBytes);
        Assert.Equal(plain.PreVote, fromHocon.PreVote);
        Assert.Equal(plain.CheckQuorum, fromHocon.CheckQuorum);
        Assert.Equal(plain.LeaseBasedReads, fromHocon.LeaseBasedReads);
        Assert.Equal(plain.LeaseClockDriftTicks, fromHocon.LeaseClockDriftTicks);
        Assert.Equal(plain.SnapshotEvery, fromHocon.SnapshotEvery);
        Assert.Equal(plain.KeepEntriesAfterSnapshot, fromHocon.KeepEntriesAfterSnapshot);
        Assert.Equal(plain.RequestTimeout, fromHocon.RequestTimeout);
        Assert.Equal(plain.LeaderTransferTimeout, fromHocon.LeaderTransferTimeout);
        Assert.Same(TimeProvider.System, fromHocon.TimeProvider);
        fromHocon.Validate();
    }

    [Fact]
    public void Defaults_of_the_settings_RaftNodeOptions_lacks_are_those_of_the_design()
    {
        var settings = ConfigFixtures.Settings();
        Assert.Equal("akka.persistence.journal.raft-sqlite", settings.JournalPluginId);
        Assert.Equal("akka.persistence.snapshot-store.raft-sqlite", settings.SnapshotPluginId);
        Assert.Equal(1024 * 1024, settings.MaxProposalBytes);
        Assert.Equal(64 * 1024, settings.SnapshotChunkBytes);
        Assert.Equal(4, settings.SnapshotChunksInFlight);
        Assert.False(settings.PeerDiscoveryEnabled);
        Assert.Equal("raft", settings.PeerDiscoveryRole);
    }

    [Fact]
    public void Default_snapshot_chunks_fit_Akka_Remotes_default_frame_with_room_to_spare() =>
        Assert.True(ConfigFixtures.Settings().SnapshotChunkBytes + RaftSettings.PeerFrameEnvelopeBytes < 128_000);

    [Fact]
    public void Default_configuration_is_the_embedded_raftactors_conf_and_a_new_copy_each_time()
    {
        var onDisk = File.ReadAllText(Path.Combine(ConfigFixtures.HoconDirectory, "raftactors.conf"));
        Assert.Equal(ConfigurationFactory.ParseString(onDisk).ToString(), RaftSettings.DefaultConfiguration().ToString());
        Assert.NotSame(RaftSettings.DefaultConfiguration(), RaftSettings.DefaultConfiguration());
    }

    [Fact]
    public void Every_setting_in_raftactors_conf_has_a_comment_on_the_line_above()
    {
        var lines = File.ReadAllLines(Path.Combine(ConfigFixtures.HoconDirectory, "raftactors.conf"));
        var settingLines = lines.Select((text, index) => (Text: text.Trim(), Index: index))
            .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l.Text, @"^[a-z][a-z-]*\s*(=|\{)")).ToList();
        Assert.NotEmpty(settingLines);
        Assert.All(settingLines, l => Assert.True(lines[l.Index - 1].Trim().StartsWith('#'), $"line {l.Index + 1} '{l.Text}' has no comment above it"));
    }
}
