using RaftActors.Core;

namespace RaftActors.TestKit.Simulation;

/// <summary>Settings of every node of a <see cref="SimulatedCluster"/>, and its snapshot policy.</summary>
public sealed record SimulatedClusterOptions
{
    public int ElectionTick { get; init; } = 10;
    public int HeartbeatTick { get; init; } = 1;
    public bool PreVote { get; init; } = true;
    public bool CheckQuorum { get; init; } = true;
    public ReadOnlyOption ReadOnlyOption { get; init; } = ReadOnlyOption.Safe;
    public ulong MaxSizePerMsg { get; init; } = 1024 * 1024;
    public int MaxInflightMsgs { get; init; } = 256;
    public ulong MaxUncommittedEntriesSize { get; init; }
    public bool DisableProposalForwarding { get; init; }

    /// <summary>Take a snapshot after this many entries applied since the last one (0 = never).</summary>
    public ulong SnapshotEvery { get; init; }

    /// <summary>Entries kept behind a snapshot for slow followers.</summary>
    public ulong KeepEntriesAfterSnapshot { get; init; }

    /// <summary>
    /// Write the founding membership of <see cref="SimulatedCluster.AddNodes"/> into the log as committed
    /// AddVoter entries at term 1 (etcd's Bootstrap, and what the runtime's journal does) instead of into an
    /// initial snapshot at index 0. Needed when nodes join later: a leader never sends the index-0
    /// configuration, so a joiner replaying the log from index 1 would otherwise never learn the founders.
    /// </summary>
    public bool BootstrapInLog { get; init; }

    /// <summary>Check the core's invariants after every step.</summary>
    public bool CheckInvariants { get; init; } = true;

    public IRaftLogger Logger { get; init; } = NullRaftLogger.Instance;
}
