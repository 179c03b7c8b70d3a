namespace RaftActors.Actors;

/// <summary>
/// An actor whose handlers are registered by message type in its constructor, as in Akka's
/// <c>ReceiveActor</c>. A message goes to the first registered handler whose type (and predicate)
/// matches; a message no handler matches is reported as unhandled.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private readonly List<Handler> _handlers = [];

    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(new Handler(
            m => m is T t && (shouldHandle is null || shouldHandle(t)),
            m =>
            {
                handler((T)m);
                return ValueTask.CompletedTask;
            }));
    }

    /// <summary>Registers an async handler; the loop awaits it before taking the next message.</summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(new Handler(
            m => m is T t && (shouldHandle is null || shouldHandle(t)),
            m => new ValueTask(handler((T)m))));
    }

    /// <summary>Registers a handler for every message not matched by an earlier handler.</summary>
    protected void ReceiveAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(new Handler(
            static _ => true,
            m =>
            {
                handler(m);
                return ValueTask.CompletedTask;
            }));
    }

    protected sealed override ValueTask OnReceiveAsync(object message)
    {
        foreach (var h in _handlers)
        {
            if (h.Matches(message))
            {
                return h.Invoke(message);
            }
        }

        Unhandled(message);
        return ValueTask.CompletedTask;
    }

    private sealed record Handler(Func<object, bool> Matches, Func<object, ValueTask> Invoke);
}
