using Akka.Configuration;

namespace RaftActors.Actors.Configuration;

/// <summary>
/// The settings of one RaftActors node, read once from the <c>akka.raft</c> section of a HOCON
/// <see cref="Config"/> and checked as a whole, as Akka's own <c>ClusterSettings</c> and <c>RemoteSettings</c>
/// are. Every setting, its default and its meaning are in <c>hocon/raftactors.conf</c>, embedded in this
/// assembly and used as the fallback. The node listens where Akka.Remote does
/// (<c>akka.remote.dot-netty.tcp.hostname</c> and <c>port</c>).
/// </summary>
public sealed partial class RaftSettings
{
    /// <summary>The HOCON path of every RaftActors setting.</summary>
    public const string Section = "akka.raft";

    /// <summary>The manifest name of the embedded reference configuration.</summary>
    public const string ResourceName = "RaftActors.Actors.raftactors.conf";

    /// <summary>
    /// What one peer frame needs beyond its payload (envelope, HMAC, Raft message headers, Akka.Remote's own
    /// envelope): an entry, append message or snapshot chunk must fit <c>maximum-frame-size</c> less this.
    /// </summary>
    public const long PeerFrameEnvelopeBytes = 16 * 1024;

    /// <summary>The default journal: the project's SQLite plugin, which a node opens in its own data folder.</summary>
    public const string DefaultJournalPluginId = "akka.persistence.journal.raft-sqlite";

    /// <summary>The default snapshot store: the project's SQLite plugin, in the node's data folder.</summary>
    public const string DefaultSnapshotPluginId = "akka.persistence.snapshot-store.raft-sqlite";

    private RaftSettings()
    {
    }

    /// <summary>This node's id: from 1, never reused by another node of the cluster (<c>node-id</c>).</summary>
    public ulong NodeId { get; private init; }

    /// <summary>Where Akka.Remote listens, <c>host:port</c> (<c>akka.remote.dot-netty.tcp.hostname</c> and <c>port</c>; port 0 picks a free one).</summary>
    public string ListenAddress { get; private init; } = "";

    /// <summary>The address peers use to reach this node (<c>advertised-address</c>, else Akka.Remote's public address); null: the listen address.</summary>
    public string? AdvertisedAddress { get; private init; }

    /// <summary>The other founding members, id → <c>host:port</c> (<c>peers</c>, without this node's own entry).</summary>
    public IReadOnlyDictionary<ulong, string> Peers { get; private init; } = new Dictionary<ulong, string>();

    /// <summary>Wait to be added by an existing cluster instead of founding one (<c>join</c>).</summary>
    public bool Join { get; private init; }

    /// <summary>The folder of the journal and snapshot files (<c>data-dir</c>).</summary>
    public string DataDirectory { get; private init; } = "";

    /// <summary>Names the cluster (<c>cluster-id</c>).</summary>
    public string ClusterId { get; private init; } = "";

    /// <summary>The shared secret, at least 16 bytes of UTF-8 (<c>secret</c>).</summary>
    public string Secret { get; private init; } = "";

    public TimeSpan TickInterval { get; private init; }

    public int ElectionTicks { get; private init; }

    public int HeartbeatTicks { get; private init; }

    public ulong MaxSizePerMessage { get; private init; }

    public int MaxInflightMessages { get; private init; }

    /// <summary>Uncommitted payload bytes at which the leader refuses proposals; 0: no limit.</summary>
    public ulong MaxUncommittedBytes { get; private init; }

    public bool PreVote { get; private init; }

    public bool CheckQuorum { get; private init; }

    public bool LeaseBasedReads { get; private init; }

    /// <summary>Ticks of clock drift a lease allows for (it lasts election-ticks - 1 - this).</summary>
    public int LeaseClockDriftTicks { get; private init; }

    /// <summary>Applied entries between service snapshots; 0: never.</summary>
    public ulong SnapshotEvery { get; private init; }

    public ulong KeepEntriesAfterSnapshot { get; private init; }

    public TimeSpan RequestTimeout { get; private init; }

    public TimeSpan LeaderTransferTimeout { get; private init; }

    /// <summary>The Akka.Persistence journal plugin of the RaftActor (<c>journal-plugin-id</c>).</summary>
    public string JournalPluginId { get; private init; } = "";

    /// <summary>The Akka.Persistence snapshot-store plugin of the RaftActor (<c>snapshot-plugin-id</c>).</summary>
    public string SnapshotPluginId { get; private init; } = "";

    /// <summary>The largest proposal accepted: one entry must fit one peer frame (<c>max-proposal-bytes</c>).</summary>
    public long MaxProposalBytes { get; private init; }

    /// <summary>The size of the chunks a snapshot payload travels in (<c>snapshot-chunk-bytes</c>).</summary>
    public int SnapshotChunkBytes { get; private init; }

    /// <summary>Chunks sent to one follower before waiting for its acknowledgement (<c>snapshot-chunks-in-flight</c>).</summary>
    public int SnapshotChunksInFlight { get; private init; }

    /// <summary>Learn peer addresses from Akka.Cluster members with <see cref="PeerDiscoveryRole"/> (<c>peer-discovery.enabled</c>).</summary>
    public bool PeerDiscoveryEnabled { get; private init; }

    /// <summary>The Akka.Cluster role of members that run a Raft node (<c>peer-discovery.role</c>).</summary>
    public string PeerDiscoveryRole { get; private init; } = "";

    /// <summary>The embedded <c>raftactors.conf</c>: every setting with its default. A new copy each call (Akka's configs merge in place).</summary>
    public static Config DefaultConfiguration() => ConfigurationFactory.FromResource<RaftSettings>(ResourceName);

    /// <summary>
    /// Reads <c>akka.raft</c> from <paramref name="config"/> (an ActorSystem's <c>Settings.Config</c>, or a parsed
    /// file) with <see cref="DefaultConfiguration"/> as the fallback, and checks every value.
    /// </summary>
    /// <exception cref="RaftConfigurationException">Some value is missing or wrong; the message names each path and what to fix.</exception>
    public static RaftSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var merged = config.WithFallback(DefaultConfiguration());
        var raft = merged.GetValue(Section);
        if (raft is null || !raft.IsObject())
        {
            throw new RaftConfigurationException(Section, $"{Section}: must be an object {{ }} holding the RaftActors settings");
        }
        var errors = new List<RaftSettingError>();
        var settings = Read(merged, errors);
        return errors.Count == 0 ? settings : throw new RaftConfigurationException(errors);
    }

    /// <summary>The options of <see cref="RaftNode"/>, on the system clock and the default journal.</summary>
    public RaftNodeOptions ToNodeOptions() => ToNodeOptions(TimeProvider.System);

    /// <summary>The options of <see cref="RaftNode"/>.</summary>
    public RaftNodeOptions ToNodeOptions(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new RaftNodeOptions
        {
            NodeId = NodeId,
            ListenAddress = ListenAddress,
            AdvertisedAddress = AdvertisedAddress,
            Peers = Peers,
            Join = Join,
            DataDirectory = DataDirectory,
            ClusterId = ClusterId,
            Secret = Secret,
            TickInterval = TickInterval,
            ElectionTicks = ElectionTicks,
            HeartbeatTicks = HeartbeatTicks,
            MaxSizePerMessage = MaxSizePerMessage,
            MaxInflightMessages = MaxInflightMessages,
            MaxUncommittedBytes = MaxUncommittedBytes,
            PreVote = PreVote,
            CheckQuorum = CheckQuorum,
            LeaseBasedReads = LeaseBasedReads,
            LeaseClockDriftTicks = LeaseClockDriftTicks,
            SnapshotEvery = SnapshotEvery,
            KeepEntriesAfterSnapshot = KeepEntriesAfterSnapshot,
            RequestTimeout = RequestTimeout,
            LeaderTransferTimeout = LeaderTransferTimeout,
            TimeProvider = timeProvider,
            // The project's SQLite plugins mean "this node's own SQLite files in its data-dir" (null: see NodeJournal).
            JournalPluginId = JournalPluginId == DefaultJournalPluginId ? null : JournalPluginId,
            SnapshotPluginId = SnapshotPluginId == DefaultSnapshotPluginId ? null : SnapshotPluginId,
            MaxProposalBytes = MaxProposalBytes,
            SnapshotChunkBytes = SnapshotChunkBytes,
            SnapshotChunksInFlight = SnapshotChunksInFlight,
            DiscoveryRole = PeerDiscoveryEnabled ? PeerDiscoveryRole : null,
        };
    }
}
