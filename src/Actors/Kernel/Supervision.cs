namespace RaftActors.Actors;

/// <summary>What a supervisor does with an actor whose handler threw.</summary>
public enum Directive
{
    /// <summary>Keep the instance and its state; drop the failing message and go on.</summary>
    Resume,

    /// <summary>
    /// Replace the instance with a fresh one from its <see cref="Props"/>, so it rebuilds its state from
    /// durable storage in its constructor or <c>PreStart</c>. The mailbox is kept; the failing message
    /// (or batch) is dropped; the old instance's timers are cancelled.
    /// </summary>
    Restart,

    /// <summary>Stop the actor; its queued and future messages go to dead letters.</summary>
    Stop,

    /// <summary>
    /// The failure is beyond this actor: stop it and terminate the whole <see cref="ActorSystem"/>,
    /// whose <see cref="ActorSystem.WhenTerminated"/> then faults with the cause.
    /// </summary>
    Escalate,
}

/// <summary>
/// How an actor's failures are handled (Akka's <c>OneForOneStrategy</c>). Unlike Akka, the strategy is
/// given in the actor's own <see cref="Props"/>: the kernel has no actor hierarchy, so every actor is
/// supervised by the system on the terms its creator chose.
/// </summary>
public sealed class OneForOneStrategy
{
    /// <param name="maxNrOfRetries">Restarts allowed within <paramref name="withinTimeRange"/> before
    /// the actor is stopped instead; -1 means no limit, 0 means never restart.</param>
    /// <param name="withinTimeRange">The window the restarts are counted in, on the system's clock.</param>
    /// <param name="decider">Maps a failure to a directive; <see cref="ActorFailStopException"/> never
    /// reaches it.</param>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNrOfRetries, -1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(withinTimeRange, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(decider);
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        Decider = decider;
    }

    public int MaxNrOfRetries { get; }

    public TimeSpan WithinTimeRange { get; }

    public Func<Exception, Directive> Decider { get; }

    /// <summary>
    /// Restart on any exception, at most 10 times a minute; stop when initialization fails. A limit,
    /// unlike Akka's default, because an actor that fails on every message should stop loudly rather
    /// than spin.
    /// </summary>
    public static OneForOneStrategy Default { get; } = new(10, TimeSpan.FromMinutes(1), DefaultDecider);

    /// <summary>Stop on any failure.</summary>
    public static OneForOneStrategy Stopping { get; } = new(0, TimeSpan.FromMinutes(1), _ => Directive.Stop);

    public static Directive DefaultDecider(Exception cause) =>
        cause is ActorInitializationException ? Directive.Stop : Directive.Restart;
}

/// <summary>Counts one actor's restarts in the strategy's window; used only from the actor's loop.</summary>
internal sealed class RestartStatistics(OneForOneStrategy strategy, TimeProvider time)
{
    private int _count;
    private DateTimeOffset _windowStart;

    /// <summary>Records a restart and says whether it is within the limit.</summary>
    public bool RequestRestartPermission()
    {
        if (strategy.MaxNrOfRetries < 0)
        {
            return true;
        }

        var now = time.GetUtcNow();
        if (_count == 0 || now - _windowStart > strategy.WithinTimeRange)
        {
            // A new window opens with the first failure after the previous one has expired.
            _windowStart = now;
            _count = 0;
        }

        _count++;
        return _count <= strategy.MaxNrOfRetries;
    }
}
