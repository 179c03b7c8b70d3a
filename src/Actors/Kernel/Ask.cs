namespace RaftActors.Actors;

/// <summary>Request-response on top of <see cref="IActorRef.Tell"/> (Akka's <c>Ask</c>).</summary>
public static class AskExtensions
{
    /// <summary>
    /// Tells <paramref name="message"/> with a temporary sender and completes with the first reply.
    /// The task fails with the reply's cause when the reply is a <see cref="Status.Failure"/>, with an
    /// <see cref="InvalidCastException"/> when the reply is not a <typeparamref name="T"/>, with an
    /// <see cref="AskTimeoutException"/> after <paramref name="timeout"/> measured on the target's system
    /// clock (<see cref="Timeout.InfiniteTimeSpan"/> waits forever), and is cancelled with
    /// <paramref name="cancellationToken"/>. A reply after that goes to dead letters.
    /// </summary>
    public static Task<T> Ask<T>(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var system = (target as LocalActorRef)?.Cell.System;
        var promise = new PromiseActorRef<T>(target, message, system, timeout, cancellationToken);
        target.Tell(message, promise);
        return promise.Task;
    }
}

/// <summary>The temporary sender of one ask: the first message it receives completes the task.</summary>
internal sealed class PromiseActorRef<T> : IActorRef
{
    private static long s_next;

    // Continuations run asynchronously so that the asker's code never runs inline on the replying actor's loop.
    private readonly TaskCompletionSource<T> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ActorSystem? _system;
    private readonly ITimer? _timer;
    private readonly CancellationTokenRegistration _registration;

    public PromiseActorRef(IActorRef target, object message, ActorSystem? system, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _system = system;
        Name = "ask-" + Interlocked.Increment(ref s_next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Path = $"{system?.Address ?? "raft://"}/temp/{Name}";
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            var error = $"Ask to {target.Path} timed out after {timeout.TotalMilliseconds} ms without a reply to {message.GetType().Name}.";
            _timer = (system?.TimeProvider ?? TimeProvider.System).CreateTimer(
                static state =>
                {
                    var (self, text) = ((PromiseActorRef<T>, string))state!;
                    if (self._promise.TrySetException(new AskTimeoutException(text)))
                    {
                        self.Cleanup();
                    }
                },
                (this, error),
                timeout,
                Timeout.InfiniteTimeSpan);
        }

        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.Register(
                static (state, token) =>
                {
                    var self = (PromiseActorRef<T>)state!;
                    if (self._promise.TrySetCanceled(token))
                    {
                        self.Cleanup();
                    }
                },
                this);
        }
    }

    public string Name { get; }

    public string Path { get; }

    public Task<T> Task => _promise.Task;

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var completed = message switch
        {
            Status.Failure failure => _promise.TrySetException(failure.Cause),
            T reply => _promise.TrySetResult(reply),
            _ => _promise.TrySetException(new InvalidCastException(
                $"Ask expected a reply of type {typeof(T).Name} but received {message.GetType().Name}.")),
        };
        if (completed)
        {
            Cleanup();
        }
        else
        {
            _system?.DeadLetterRef.Publish(message, sender ?? (IActorRef)_system.DeadLetterRef, this);
        }
    }

    public override string ToString() => Path;

    private void Cleanup()
    {
        _timer?.Dispose();
        _registration.Dispose();
    }
}
