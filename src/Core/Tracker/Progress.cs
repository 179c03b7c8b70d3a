namespace RaftActors.Core.Tracker;

/// <summary>How the leader currently replicates to one follower.</summary>
public enum ProgressState
{
    /// <summary>Where the follower's log ends is unknown: send one append per heartbeat interval and wait.</summary>
    Probe,
    /// <summary>The follower is in step: stream appends optimistically, bounded by <see cref="Inflights"/>.</summary>
    Replicate,
    /// <summary>A snapshot is on its way; send nothing else until it is reported.</summary>
    Snapshot,
}

/// <summary>
/// The leader's view of one follower (etcd's tracker.Progress): <see cref="Match"/> is the highest
/// index known to be replicated there, <see cref="Next"/> the next index to send.
/// Invariant: <c>Match &lt; Next</c>.
/// </summary>
public sealed class Progress
{
    public Progress(ulong match, ulong next, Inflights inflights, bool isLearner)
    {
        Match = match;
        Next = next;
        Inflights = inflights;
        IsLearner = isLearner;
    }

    public ulong Match { get; internal set; }

    public ulong Next { get; internal set; }

    public ProgressState State { get; private set; } = ProgressState.Probe;

    /// <summary>In Snapshot state, the index of the snapshot being sent.</summary>
    public ulong PendingSnapshot { get; internal set; }

    /// <summary>Heard from within the current election timeout (for check-quorum).</summary>
    public bool RecentActive { get; internal set; }

    /// <summary>In Probe state: a probe is in flight, so wait before sending another.</summary>
    public bool ProbeSent { get; internal set; }

    public Inflights Inflights { get; }

    public bool IsLearner { get; internal set; }

    /// <summary>A deep copy, so a membership change can be computed without touching the live tracker.</summary>
    public Progress Clone() => new(Match, Next, Inflights.Clone(), IsLearner)
    {
        State = State, PendingSnapshot = PendingSnapshot, RecentActive = RecentActive, ProbeSent = ProbeSent,
    };

    private void ResetState(ProgressState state)
    {
        ProbeSent = false;
        PendingSnapshot = 0;
        State = state;
        Inflights.Reset();
    }

    public void BecomeProbe()
    {
        if (State == ProgressState.Snapshot)
        {
            // The snapshot's index is a good lower bound for where the follower is now.
            var pending = PendingSnapshot;
            ResetState(ProgressState.Probe);
            Next = Math.Max(Match + 1, pending + 1);
        }
        else
        {
            ResetState(ProgressState.Probe);
            Next = Match + 1;
        }
    }

    public void BecomeReplicate()
    {
        ResetState(ProgressState.Replicate);
        Next = Match + 1;
    }

    public void BecomeSnapshot(ulong snapshotIndex)
    {
        ResetState(ProgressState.Snapshot);
        PendingSnapshot = snapshotIndex;
    }

    /// <summary>An acknowledgement up to <paramref name="index"/>; false when it tells nothing new (stale or duplicate).</summary>
    public bool MaybeUpdate(ulong index)
    {
        var updated = false;
        if (Match < index)
        {
            Match = index;
            updated = true;
            ProbeSent = false;
        }
        Next = Math.Max(Next, index + 1);
        return updated;
    }

    /// <summary>In Replicate state entries up to <paramref name="last"/> were sent; assume they will land.</summary>
    public void OptimisticUpdate(ulong last) => Next = last + 1;

    /// <summary>
    /// A rejection of the append whose previous index was <paramref name="rejected"/>: move
    /// <see cref="Next"/> back, guided by the follower's hint. False when the rejection is stale.
    /// </summary>
    public bool MaybeDecrTo(ulong rejected, ulong matchHint)
    {
        if (State == ProgressState.Replicate)
        {
            // Stale: we know the follower has entries beyond the rejected one.
            if (rejected <= Match) return false;
            Next = Match + 1;
            return true;
        }
        // In Probe state only the rejection of the latest probe counts.
        if (Next - 1 != rejected) return false;
        // Never below Match + 1: entries up to Match are known to be on the follower, whatever the hint says
        // (a hint below Match can only come from a follower that lost acknowledged entries, or a bug).
        Next = Math.Max(Math.Min(rejected, matchHint + 1), Match + 1);
        ProbeSent = false;
        return true;
    }

    /// <summary>Whether sending more appends must wait (probe outstanding, window full, or snapshot in flight).</summary>
    public bool IsPaused => State switch
    {
        ProgressState.Probe => ProbeSent,
        ProgressState.Replicate => Inflights.Full,
        _ => true,
    };

    public override string ToString()
    {
        var s = $"{State} match={Match} next={Next}";
        if (IsLearner) s += " learner";
        if (IsPaused) s += " paused";
        if (PendingSnapshot > 0) s += $" pendingSnap={PendingSnapshot}";
        if (!RecentActive) s += " inactive";
        if (Inflights.Count > 0) s += $" inflight={Inflights.Count}";
        return s;
    }
}
