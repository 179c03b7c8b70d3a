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

    public ulong CommitIndex
    {
        get => (ulong)Interlocked.Read(ref _commit);
        set => Interlocked.Exchange(ref _commit, (long)value);
    }

    /// <summary>Receives every event; set once by the node before the actors start. Must not block.</summary>
    public Action<RaftEvent>? Events { get; set; }

    public void Raise(RaftEvent e) => Events?.Invoke(e);
}
