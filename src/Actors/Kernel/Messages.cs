namespace RaftActors.Actors;

/// <summary>Reply shapes understood by <see cref="AskExtensions.Ask{T}"/> (Akka's <c>Status</c>).</summary>
public static class Status
{
    /// <summary>Reply with this to make the asker's task fail with <paramref name="Cause"/>.</summary>
    public sealed record Failure(Exception Cause);

    /// <summary>A generic positive acknowledgement.</summary>
    public sealed record Success(object? Value);
}

/// <summary>Stops the receiving actor once the messages queued before it have been processed.</summary>
public sealed class PoisonPill
{
    public static PoisonPill Instance { get; } = new();

    private PoisonPill()
    {
    }
}

/// <summary>A message that could not be delivered because its recipient had stopped (event stream).</summary>
public sealed record DeadLetter(object Message, IActorRef Sender, IActorRef Recipient);

/// <summary>A message an actor did not handle (event stream).</summary>
public sealed record UnhandledMessage(object Message, IActorRef Sender, IActorRef Recipient);

/// <summary>
/// An actor's handler, constructor or lifecycle hook threw (event stream). <paramref name="Directive"/> is
/// what the supervisor did about it; <paramref name="Message"/> is the message being handled, if any.
/// A fail-stop is reported with <see cref="Directive.Stop"/> and an <see cref="ActorFailStopException"/>.
/// </summary>
public sealed record ActorFailed(IActorRef Actor, Exception Cause, object? Message, Directive Directive);
