namespace RaftActors.Actors.Tests.Remote;

/// <summary>A wall clock that stands still until a test sets it: sequence numbers then depend on the test alone.</summary>
internal sealed class SettableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
