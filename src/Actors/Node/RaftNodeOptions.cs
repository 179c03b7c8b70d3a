using Akka.Actor;
using RaftActors.Core;

namespace RaftActors.Actors;

/// <summary>
/// Everything a node needs to start. Defaults follow the eosc raft package: 100 ms tick, election
/// after 10 ticks, heartbeat every tick, 1 MiB per append message, 256 messages in flight, a snapshot
/// every 10,000 applied entries keeping 10,000 entries for lagging followers.
/// </summary>
public sealed record RaftNodeOptions
{
    /// <summary>This node's id: non-zero and never reused by another node of the cluster.</summary>
    public required ulong NodeId { get; init; }

    /// <summary>
    /// Where peers connect to a node started by <see cref="RaftNode.StartAsync"/>: <c>host:port</c> (port 0 picks a free
    /// one; see <see cref="RaftNode.PeerAddress"/>). A node started in a caller's ActorSystem listens where that system's
    /// remoting does, and ignores this.
    /// </summary>
    public string ListenAddress { get; init; } = "";

    /// <summary>The address other nodes use to reach this one; defaults to the bound listen address.</summary>
    public string? AdvertisedAddress { get; init; }

    /// <summary>
    /// The other founding members, id → address, used when the journal is empty: together with this node
    /// they become the voters of a new cluster. Empty: this node starts alone (a one-voter cluster, eosc's
    /// standalone mode). Also used to reach members whose address the log does not tell.
    /// </summary>
    public IReadOnlyDictionary<ulong, string> Peers { get; init; } = new Dictionary<ulong, string>();

    /// <summary>
    /// Start with no membership and wait to be added by an existing cluster (as a learner, then promoted)
    /// instead of founding one. Ignored when the journal already holds state.
    /// </summary>
    public bool Join { get; init; }

    /// <summary>The folder of the journal and snapshot files.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Names the cluster; peers of another cluster are refused during the handshake.</summary>
    public required string ClusterId { get; init; }

    /// <summary>The shared secret every member proves it knows (at least 16 bytes of UTF-8). Never sent on the wire.</summary>
    public required string Secret { get; init; }

    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);
    public int ElectionTicks { get; init; } = 10;
    public int HeartbeatTicks { get; init; } = 1;
    public ulong MaxSizePerMessage { get; init; } = 1024 * 1024;
    public int MaxInflightMessages { get; init; } = 256;

    /// <summary>The largest proposal accepted (before and after the prepare hook); a larger one is refused with BadRequest, since one entry must fit one peer frame.</summary>
    public long MaxProposalBytes { get; init; } = 1024 * 1024;

    /// <summary>Bytes of snapshot payload per chunk frame (well below Akka.Remote's maximum-frame-size).</summary>
    public int SnapshotChunkBytes { get; init; } = 64 * 1024;

    /// <summary>How many snapshot chunks may be unacknowledged at once (flow control).</summary>
    public int SnapshotChunksInFlight { get; init; } = 4;

    /// <summary>Leader refuses proposals (Overloaded) while this many payload bytes are uncommitted.</summary>
    public ulong MaxUncommittedBytes { get; init; } = 64 * 1024 * 1024;

    public bool PreVote { get; init; } = true;
    public bool CheckQuorum { get; init; } = true;

    /// <summary>Serve linearizable reads from the leader lease instead of a heartbeat round (faster; assumes bounded clock drift).</summary>
    public bool LeaseBasedReads { get; init; }

    /// <summary>
    /// With <see cref="LeaseBasedReads"/>: ticks the nodes' clocks may drift apart within an election timeout. The lease
    /// lasts <c>ElectionTicks - 1 - LeaseClockDriftTicks</c> ticks from the heartbeat a quorum last answered.
    /// </summary>
    public int LeaseClockDriftTicks { get; init; } = 1;

    public ulong SnapshotEvery { get; init; } = 10_000;
    public ulong KeepEntriesAfterSnapshot { get; init; } = 10_000;

    /// <summary>How long a request waits for its outcome before failing with <see cref="RaftErrorCode.Timeout"/>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a graceful stop of the leader waits for the transfer of leadership.</summary>
    public TimeSpan LeaderTransferTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The Akka.Persistence journal plugin of the node's RaftActor; null takes the ActorSystem's default
    /// (for a node started by <see cref="RaftNode.StartAsync"/>: the project's SQLite journal in <see cref="DataDirectory"/>).
    /// </summary>
    public string? JournalPluginId { get; init; }

    /// <summary>The Akka.Persistence snapshot-store plugin of the node's RaftActor; null takes the ActorSystem's default.</summary>
    public string? SnapshotPluginId { get; init; }

    /// <summary>
    /// Learn where peers are from Akka.Cluster (the system's provider must be <c>cluster</c>): members with this
    /// role and a role <c>raft-node-{id}</c> give node <c>id</c>'s current address. Null: off. Addresses only —
    /// voters change through the Raft log alone, never because of a cluster event.
    /// </summary>
    public string? DiscoveryRole { get; init; }

    /// <summary>
    /// HOCON laid over the configuration of the ActorSystem <see cref="RaftNode.StartAsync"/> creates (Akka.Remote,
    /// persistence plugins, logging). Ignored for a node started in a system of the caller's.
    /// </summary>
    public Akka.Configuration.Config? ActorSystemConfig { get; init; }

    /// <summary>The name of the ActorSystem <see cref="RaftNode.StartAsync"/> creates. Every node of a cluster uses the same one.</summary>
    public string SystemName { get; init; } = "raft";

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Handlers of <see cref="RaftNode.EventRaised"/> attached before the node's actors start. A handler added to
    /// the event after <see cref="RaftNode.StartAsync"/> returns misses what happened during the start, such as
    /// a standalone node electing itself. Events raised before it returns are passed a null sender.
    /// </summary>
    public EventHandler<RaftEvent>? Events { get; init; }

    /// <summary>Checks every value and says what to fix; <see cref="RaftNode.StartAsync"/> calls it.</summary>
    public void Validate()
    {
        if (NodeId == 0) throw new ArgumentException("NodeId must not be 0", nameof(NodeId));
        if (string.IsNullOrWhiteSpace(DataDirectory)) throw new ArgumentException("DataDirectory is required", nameof(DataDirectory));
        if (string.IsNullOrWhiteSpace(ClusterId)) throw new ArgumentException("ClusterId is required", nameof(ClusterId));
        if (System.Text.Encoding.UTF8.GetByteCount(Secret ?? "") < 16) throw new ArgumentException("Secret must be at least 16 bytes", nameof(Secret));
        if (TickInterval <= TimeSpan.Zero) throw new ArgumentException("TickInterval must be positive", nameof(TickInterval));
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentException("RequestTimeout must be positive", nameof(RequestTimeout));
        if (Peers.ContainsKey(NodeId)) throw new ArgumentException($"Peers must not contain this node's own id {NodeId}", nameof(Peers));
        if (Peers.Keys.Any(id => id == 0)) throw new ArgumentException("Peers must not contain node id 0", nameof(Peers));
        if (MaxProposalBytes < 1) throw new ArgumentException("MaxProposalBytes must be positive", nameof(MaxProposalBytes));
        if (SnapshotChunkBytes < 1024) throw new ArgumentException("SnapshotChunkBytes must be at least 1 KiB", nameof(SnapshotChunkBytes));
        if (SnapshotChunksInFlight < 1) throw new ArgumentException("SnapshotChunksInFlight must be at least 1", nameof(SnapshotChunksInFlight));
        if (KeepEntriesAfterSnapshot > 0 && SnapshotEvery == 0) throw new ArgumentException("SnapshotEvery must be positive", nameof(SnapshotEvery));
        ToRaftConfig(new Core.Storage.MemoryStorage(), 0).Validate();
    }

    internal RaftConfig ToRaftConfig(Core.Storage.IRaftStorage storage, ulong applied, IRaftLogger? logger = null) => new()
    {
        Id = NodeId, Storage = storage, Applied = applied, ElectionTick = ElectionTicks, HeartbeatTick = HeartbeatTicks,
        MaxSizePerMsg = MaxSizePerMessage, MaxInflightMsgs = MaxInflightMessages, MaxUncommittedEntriesSize = MaxUncommittedBytes,
        PreVote = PreVote, CheckQuorum = CheckQuorum,
        ReadOnlyOption = LeaseBasedReads ? ReadOnlyOption.LeaseBased : ReadOnlyOption.Safe,
        LeaseClockDriftTicks = LeaseClockDriftTicks,
        // The runtime forwards client requests itself (so the prepare hook runs on the leader).
        DisableProposalForwarding = true,
        CheckInvariants = true,
        RandomSeed = (ulong)Random.Shared.NextInt64(1, long.MaxValue),
        Logger = logger ?? NullRaftLogger.Instance,
    };
}
