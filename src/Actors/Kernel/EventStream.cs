namespace RaftActors.Actors;

/// <summary>
/// The system's publish-subscribe bus for kernel events (<see cref="DeadLetter"/>,
/// <see cref="UnhandledMessage"/>, <see cref="ActorFailed"/>) and anything else published on it. An
/// event goes to every subscriber whose channel type it is an instance of.
/// </summary>
public sealed class EventStream
{
    private readonly Lock _gate = new();

    // Copy-on-write: Publish reads a snapshot without locking; subscription changes are rare.
    private volatile Subscription[] _subscriptions = [];

    public bool Subscribe<TEvent>(IActorRef subscriber) => Subscribe(subscriber, typeof(TEvent));

    /// <summary>Sends <paramref name="subscriber"/> every later event assignable to <paramref name="channel"/>; false if already subscribed.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            var subscription = new Subscription(subscriber, channel);
            if (Array.IndexOf(_subscriptions, subscription) >= 0)
            {
                return false;
            }

            _subscriptions = [.. _subscriptions, subscription];
            return true;
        }
    }

    /// <summary>Removes every subscription of <paramref name="subscriber"/>; false if it had none.</summary>
    public bool Unsubscribe(IActorRef subscriber)
    {
        lock (_gate)
        {
            var kept = Array.FindAll(_subscriptions, s => !ReferenceEquals(s.Subscriber, subscriber));
            var removed = kept.Length != _subscriptions.Length;
            _subscriptions = kept;
            return removed;
        }
    }

    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        foreach (var s in _subscriptions)
        {
            if (s.Channel.IsInstanceOfType(@event))
            {
                s.Subscriber.Tell(@event);
            }
        }
    }

    private sealed record Subscription(IActorRef Subscriber, Type Channel);
}
