namespace RaftActors.Actors;

/// <summary>
/// An actor's timers (Akka's <c>ITimerScheduler</c>). A timer never calls into the actor: each expiry
/// enqueues its message in the actor's mailbox, so it is handled in turn like any other message, on
/// the system's <see cref="TimeProvider"/> (a fake clock in tests). Keys are compared with
/// <see cref="object.Equals(object)"/>; starting a timer with a key in use replaces that timer. Use it
/// only from within the actor (constructor, hooks, handlers).
/// </summary>
public interface ITimerScheduler
{
    /// <summary>Delivers <paramref name="message"/> once, after <paramref name="timeout"/>.</summary>
    void StartSingleTimer(object key, object message, TimeSpan timeout);

    /// <summary>Delivers <paramref name="message"/> every <paramref name="interval"/>, first after one interval.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    /// <summary>Delivers <paramref name="message"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    bool IsTimerActive(object key);

    /// <summary>
    /// Cancels the timer; an expiry already queued is discarded too, so after this call its message is
    /// not received. (Exception: in batch mode, a tick already taken into the batch being handled.)
    /// </summary>
    void Cancel(object key);

    void CancelAll();
}

/// <summary>An expiry on its way through the mailbox; the loop checks it is still current before delivery.</summary>
internal sealed record TimerFired(ActorCell Cell, object Key, long Generation, object Message);

/// <summary>Timers of one actor. Touched only from the actor's loop, except the callbacks, which only post.</summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, Entry> _timers = [];

    // Generations tell a live timer's expiries from those of a cancelled or replaced timer with the same key.
    private long _generation;

    public void StartSingleTimer(object key, object message, TimeSpan timeout) =>
        Start(key, message, timeout, Timeout.InfiniteTimeSpan);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        StartPeriodicTimer(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Start(key, message, initialDelay, interval);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_timers.Remove(key, out var entry))
        {
            entry.Timer.Dispose();
        }
    }

    public void CancelAll()
    {
        foreach (var entry in _timers.Values)
        {
            entry.Timer.Dispose();
        }

        _timers.Clear();
    }

    /// <summary>Unwraps an expiry if its timer is still the current one; a single timer is then done.</summary>
    internal bool TryAccept(TimerFired fired, out object message)
    {
        if (_timers.TryGetValue(fired.Key, out var entry) && entry.Generation == fired.Generation)
        {
            if (!entry.Periodic)
            {
                _timers.Remove(fired.Key);
                entry.Timer.Dispose();
            }

            message = fired.Message;
            return true;
        }

        message = fired.Message;
        return false;
    }

    private void Start(object key, object message, TimeSpan due, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(due, TimeSpan.Zero);
        Cancel(key);
        var fired = new TimerFired(cell, key, ++_generation, message);
        var timer = cell.System.TimeProvider.CreateTimer(
            static state =>
            {
                var f = (TimerFired)state!;
                f.Cell.PostTimer(f);
            },
            fired,
            due,
            period);
        _timers[key] = new Entry(timer, fired.Generation, period != Timeout.InfiniteTimeSpan);
    }

    private sealed record Entry(ITimer Timer, long Generation, bool Periodic);
}
