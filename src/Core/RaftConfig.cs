using RaftActors.Core.Storage;

namespace RaftActors.Core;

/// <summary>
/// Parameters of one Raft node. Times are in ticks: the runtime decides how long a tick is
/// (the host uses 100 ms). <see cref="Validate"/> runs when the node is created.
/// </summary>
public sealed class RaftConfig
{
    /// <summary>This node's id: non-zero, never reused by another node of the cluster.</summary>
    public required ulong Id { get; init; }

    /// <summary>The stable log and state the node restarts from.</summary>
    public required IRaftStorage Storage { get; init; }

    /// <summary>
    /// Ticks without hearing from a leader before a follower campaigns. The actual timeout is drawn
    /// uniformly from <c>[ElectionTick, 2 * ElectionTick)</c> so that candidates rarely collide.
    /// </summary>
    public int ElectionTick { get; init; } = 10;

    /// <summary>Ticks between the leader's heartbeats; must be well below <see cref="ElectionTick"/>.</summary>
    public int HeartbeatTick { get; init; } = 1;

    /// <summary>The last index applied to the service before a restart; committed entries after it are delivered again.</summary>
    public ulong Applied { get; init; }

    /// <summary>Largest total entry size in one append message (a single larger entry still goes alone).</summary>
    public ulong MaxSizePerMsg { get; init; } = 1024 * 1024;

    /// <summary>Largest total size of committed entries in one <see cref="Ready"/>.</summary>
    public ulong MaxCommittedSizePerReady { get; init; } = 64 * 1024 * 1024;

    /// <summary>Leader refuses proposals while the payload of uncommitted entries exceeds this. 0 = no limit.</summary>
    public ulong MaxUncommittedEntriesSize { get; init; }

    /// <summary>Append messages in flight to one follower in Replicate state.</summary>
    public int MaxInflightMsgs { get; init; } = 256;

    /// <summary>Bytes in flight to one follower. 0 = no limit beyond <see cref="MaxInflightMsgs"/>.</summary>
    public ulong MaxInflightBytes { get; init; }

    /// <summary>A leader steps down when it has not heard from a quorum within an election timeout.</summary>
    public bool CheckQuorum { get; init; } = true;

    /// <summary>Pre-vote (thesis §9.6): a node only raises its term once it knows it could win, so a rejoining node does not disrupt.</summary>
    public bool PreVote { get; init; } = true;

    public ReadOnlyOption ReadOnlyOption { get; init; } = ReadOnlyOption.Safe;

    /// <summary>
    /// With <see cref="ReadOnlyOption.LeaseBased"/>: how many ticks the nodes' clocks may drift apart within
    /// an election timeout. The lease lasts <c>ElectionTick - 1 - LeaseClockDriftTicks</c> ticks from the
    /// heartbeat a quorum last answered, strictly less than the earliest another leader can be elected
    /// (see <see cref="LeaderLease"/>).
    /// </summary>
    public int LeaseClockDriftTicks { get; init; } = 1;

    /// <summary>Ticks a lease lasts after the heartbeat round a quorum answered.</summary>
    internal int LeaseTicks => ElectionTick - 1 - LeaseClockDriftTicks;

    /// <summary>Followers drop proposals instead of forwarding them to the leader.</summary>
    public bool DisableProposalForwarding { get; init; }

    /// <summary>A leader removed from (or demoted out of) the voters steps down when the change is applied.</summary>
    public bool StepDownOnRemoval { get; init; } = true;

    /// <summary>Seed of the election-timeout jitter. 0 derives one from <see cref="Id"/>.</summary>
    public ulong RandomSeed { get; init; }

    /// <summary>Check the core's invariants after every step (cheap; on by default in debug builds).</summary>
    public bool CheckInvariants { get; init; }
#if DEBUG
        = true;
#endif

    public IRaftLogger Logger { get; init; } = NullRaftLogger.Instance;

    public void Validate()
    {
        if (Id == 0) throw new ArgumentException("Id must not be 0 (0 means \"nobody\")", nameof(Id));
        if (HeartbeatTick <= 0) throw new ArgumentException("HeartbeatTick must be greater than 0", nameof(HeartbeatTick));
        if (ElectionTick <= HeartbeatTick) throw new ArgumentException("ElectionTick must be greater than HeartbeatTick", nameof(ElectionTick));
        if (MaxInflightMsgs <= 0) throw new ArgumentException("MaxInflightMsgs must be greater than 0", nameof(MaxInflightMsgs));
        if (MaxSizePerMsg == 0) throw new ArgumentException("MaxSizePerMsg must be greater than 0", nameof(MaxSizePerMsg));
        if (MaxInflightBytes != 0 && MaxInflightBytes < MaxSizePerMsg)
        {
            throw new ArgumentException("MaxInflightBytes must be 0 or at least MaxSizePerMsg", nameof(MaxInflightBytes));
        }
        if (ReadOnlyOption == ReadOnlyOption.LeaseBased && !CheckQuorum)
        {
            throw new ArgumentException("lease-based reads need CheckQuorum", nameof(ReadOnlyOption));
        }
        if (LeaseClockDriftTicks < 0) throw new ArgumentException("LeaseClockDriftTicks must not be negative", nameof(LeaseClockDriftTicks));
        if (ReadOnlyOption == ReadOnlyOption.LeaseBased && LeaseTicks < 1)
        {
            throw new ArgumentException(
                $"a lease would last {LeaseTicks} ticks: ElectionTick must exceed LeaseClockDriftTicks + 2", nameof(LeaseClockDriftTicks));
        }
        ArgumentNullException.ThrowIfNull(Storage);
        ArgumentNullException.ThrowIfNull(Logger);
    }
}
