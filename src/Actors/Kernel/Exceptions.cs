namespace RaftActors.Actors;

/// <summary>An <see cref="AskExtensions.Ask{T}"/> got no reply within its timeout.</summary>
public sealed class AskTimeoutException : TimeoutException
{
    public AskTimeoutException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Throw this from an actor to fail-stop it: the supervisor does not restart it, whatever its strategy
/// says. The actor stops at once, its queued and future messages go to dead letters, the failure is
/// published as <see cref="ActorFailed"/> and <see cref="ActorSystem.WhenStopped"/> faults with it.
/// A node throws it when its journal fails, so that it never acknowledges what it could not persist.
/// </summary>
public sealed class ActorFailStopException : Exception
{
    public ActorFailStopException(string message)
        : base(message)
    {
    }

    public ActorFailStopException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// An actor's constructor, <c>PreStart</c> or <c>PostRestart</c> threw. The default strategy stops
/// the actor instead of restarting it, since a fresh instance would most likely fail the same way.
/// </summary>
public sealed class ActorInitializationException : Exception
{
    public ActorInitializationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
