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

/// <summary>How the RaftActor reaches its peers; the node wires it to the TCP transport.</summary>
internal interface IPeerRouter
{
    /// <summary>Sends messages to <paramref name="to"/> in order; drops them when its address is unknown.</summary>
    void Send(ulong to, IReadOnlyList<Messages.RaftMessage> messages);

    /// <summary>The addresses of every node this node should talk to (itself excluded).</summary>
    void SetPeers(IReadOnlyDictionary<ulong, string> addresses);
}

/// <summary>
/// An actor reference whose target is set after creation (two actors that need each other, or a
/// listener that starts before the actor it feeds). Messages told before the target is set are kept,
/// in order, and delivered when it is.
/// </summary>
internal sealed class DeferredActorRef(string name) : IActorRef
{
    private readonly object _gate = new();
    private readonly List<(object Message, IActorRef? Sender)> _early = [];
    private IActorRef? _target;

    public string Name => name;

    public string Path => _target?.Path ?? $"deferred/{name}";

    public IActorRef Target
    {
        set
        {
            lock (_gate)
            {
                foreach (var (message, sender) in _early) value.Tell(message, sender);
                _early.Clear();
                _target = value;
            }
        }
    }

    public void Tell(object message, IActorRef? sender = null)
    {
        var target = Volatile.Read(ref _target);
        if (target is null)
        {
            lock (_gate)
            {
                target = _target;
                if (target is null)
                {
                    _early.Add((message, sender));
                    return;
                }
            }
        }
        target.Tell(message, sender);
    }

    public override string ToString() => Path;
}
