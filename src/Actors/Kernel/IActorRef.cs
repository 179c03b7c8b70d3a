namespace RaftActors.Actors;

/// <summary>
/// A handle to an actor: the only way to talk to it. Refs are cheap, thread-safe and never throw on
/// <see cref="Tell"/>; a message to an actor that has stopped goes to the system's dead letters.
/// </summary>
public interface IActorRef
{
    /// <summary>The actor's name, unique among the live actors of its system.</summary>
    string Name { get; }

    /// <summary>The actor's address, <c>raft://system/user/name</c>, for logs and error messages.</summary>
    string Path { get; }

    /// <summary>
    /// Enqueues <paramref name="message"/> and returns at once (fire and forget). Without a
    /// <paramref name="sender"/>, replies from the receiver go to dead letters.
    /// </summary>
    void Tell(object message, IActorRef? sender = null);
}

/// <summary>One message in a mailbox, with the ref that replies go to.</summary>
public readonly record struct Envelope(object Message, IActorRef Sender);

/// <summary>The ref of an actor of this process; it points at the actor's cell, not at its name.</summary>
internal sealed class LocalActorRef(ActorCell cell) : IActorRef
{
    internal ActorCell Cell { get; } = cell;

    public string Name => Cell.Name;

    public string Path => Cell.Path;

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Post(new Envelope(message, sender ?? Cell.System.DeadLetters));
    }

    public override string ToString() => Path;
}

/// <summary>
/// Where undeliverable messages end up: each one is published as a <see cref="DeadLetter"/> on the
/// event stream, so a lost message is observable instead of vanishing.
/// </summary>
internal sealed class DeadLetterActorRef(ActorSystem system) : IActorRef
{
    public string Name => "deadLetters";

    public string Path { get; } = $"{system.Address}/deadLetters";

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Publish(message, sender ?? this, this);
    }

    /// <summary>Publishes an undeliverable message, except a dead letter of a dead letter (it would loop).</summary>
    internal void Publish(object message, IActorRef sender, IActorRef recipient)
    {
        if (message is not DeadLetter)
        {
            system.EventStream.Publish(new DeadLetter(message, sender, recipient));
        }
    }

    public override string ToString() => Path;
}
