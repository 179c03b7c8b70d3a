using Akka.Actor;
using RaftActors.Core;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// What the RaftActor publishes about itself for readers on other threads (the public API routes
/// requests by it without a round trip through the mailbox). Values may be a moment stale; anything
/// that must be exact is decided inside the RaftActor.
/// </summary>
internal sealed class NodeState
{
    private long _leader;
    private long _term;
    private int _role;
    private long _commit;
    private long _readRounds;
    private long _proposalBatches;

    public ulong Leader
    {
        get => (ulong)Interlocked.Read(ref _leader);
        set => Interlocked.Exchange(ref _leader, (long)value);
    }

    public ulong Term
    {
        get => (ulong)Interlocked.Read(ref _term);
        set => Interlocked.Exchange(ref _term, (long)value);
    }

    public StateRole Role
    {
        get => (StateRole)Volatile.Read(ref _role);
        set => Volatile.Write(ref _role, (int)value);
    }

    /// <summary>ReadIndex rounds this node asked for; one serves every read queued before it (for tests and diagnostics).</summary>
    public long ReadRounds => Interlocked.Read(ref _readRounds);

    public void CountReadRound() => Interlocked.Increment(ref _readRounds);

    /// <summary>Batches in which this node's proposals entered the core; one carries every proposal queued before it (for tests and diagnostics).</summary>
    public long ProposalBatches => Interlocked.Read(ref _proposalBatches);

    public void CountProposalBatch() => Interlocked.Increment(ref _proposalBatches);

    public ulong CommitIndex
    {
        get => (ulong)Interlocked.Read(ref _commit);
        set => Interlocked.Exchange(ref _commit, (long)value);
    }

    /// <summary>Receives every event; set once by the node before the actors start. Must not block.</summary>
    public Action<RaftEvent>? Events { get; set; }

    public void Raise(RaftEvent e) => Events?.Invoke(e);
}
