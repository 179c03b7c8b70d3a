using Akka.Actor;
namespace RaftActors.Actors.Runtime;

/// <summary>
/// Thrown inside a node's actors when the node must stop rather than go on (fail-stop): its journal or its
/// services failed, so it could otherwise acknowledge something it cannot keep. The node's guardian never
/// restarts an actor, and records this as the cause the node's API reports.
/// </summary>
internal sealed class ActorFailStopException : Exception
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
