using System.Collections.Concurrent;

namespace RaftActors.Actors;

/// <summary>
/// A set of actors sharing a clock, an event stream and dead letters. A node runs one system; tests may
/// run several. Actors live side by side (there is no hierarchy): each is created here and supervised
/// on the terms of its own <see cref="Props"/>.
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ActorCell> _cells = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextName;
    private int _terminating;

    /// <param name="name">Appears in every actor's path.</param>
    /// <param name="timeProvider">The clock of timers, ask timeouts and restart windows; a fake one in tests.</param>
    public ActorSystem(string name, TimeProvider? timeProvider = null)
    {
        ValidateName(name);
        Name = name;
        TimeProvider = timeProvider ?? TimeProvider.System;
        Address = $"raft://{name}";
        EventStream = new EventStream();
        DeadLetterRef = new DeadLetterActorRef(this);
    }

    public string Name { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Where <see cref="DeadLetter"/>, <see cref="UnhandledMessage"/> and <see cref="ActorFailed"/> are published.</summary>
    public EventStream EventStream { get; }

    /// <summary>The ref replies go to when a message has no sender; what it receives is published as <see cref="DeadLetter"/>.</summary>
    public IActorRef DeadLetters => DeadLetterRef;

    /// <summary>Completes when <see cref="Terminate"/> has stopped every actor; faults with the cause of an escalation.</summary>
    public Task WhenTerminated => _terminated.Task;

    internal string Address { get; }

    internal DeadLetterActorRef DeadLetterRef { get; }

    /// <summary>Creates and starts an actor. Its constructor runs on the actor's own loop, not in this call.</summary>
    /// <param name="name">Unique among live actors; a generated one (<c>$1</c>, <c>$2</c>...) when omitted.</param>
    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is null)
        {
            name = "$" + Interlocked.Increment(ref _nextName).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            ValidateName(name);
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _terminating) != 0, this);
        var cell = new ActorCell(this, name, props);
        if (!_cells.TryAdd(name, cell))
        {
            throw new ArgumentException($"An actor named '{name}' already runs in system '{Name}'.", nameof(name));
        }

        cell.Start();
        if (Volatile.Read(ref _terminating) != 0)
        {
            // Terminate began between the check and the registration and may not have seen this cell.
            cell.RequestStop();
        }

        return cell.Self;
    }

    /// <summary>Stops the actor after its current message; queued and later messages go to dead letters.</summary>
    public void Stop(IActorRef actor) => CellOf(actor).RequestStop();

    /// <summary>
    /// Completes when the actor has stopped and run PostStop. Faults with the failure that stopped it
    /// (an <see cref="ActorFailStopException"/>, a failure the strategy stopped on, or the last failure
    /// once the restart limit was reached); completes normally after <see cref="Stop"/> or a poison pill.
    /// </summary>
    public Task WhenStopped(IActorRef actor) => CellOf(actor).Completion;

    /// <summary>Stops every actor (each finishes its current message and runs PostStop) and completes when all have.</summary>
    public Task Terminate() => TerminateCore(cause: null);

    public async ValueTask DisposeAsync() =>
        await Terminate().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

    public override string ToString() => Address;

    internal void Remove(ActorCell cell) => _cells.TryRemove(KeyValuePair.Create(cell.Name, cell));

    /// <summary>An actor escalated: the system terminates, and <see cref="WhenTerminated"/> faults with the cause.</summary>
    internal void Escalate(Exception cause) => _ = TerminateCore(cause);

    private Task TerminateCore(Exception? cause)
    {
        if (Interlocked.Exchange(ref _terminating, 1) == 0)
        {
            _ = StopAllAsync(cause);
        }

        return _terminated.Task;
    }

    private async Task StopAllAsync(Exception? cause)
    {
        var cells = _cells.Values.ToArray();
        foreach (var cell in cells)
        {
            cell.RequestStop();
        }

        // Actors that failed have reported it already; termination waits for them without rethrowing.
        await Task.WhenAll(cells.Select(c => c.Completion)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (cause is null)
        {
            _terminated.TrySetResult();
        }
        else
        {
            _terminated.TrySetException(cause);
        }
    }

    private ActorCell CellOf(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor is LocalActorRef local && ReferenceEquals(local.Cell.System, this)
            ? local.Cell
            : throw new ArgumentException($"{actor.Path} is not an actor of system '{Name}'.", nameof(actor));
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Name '{name}' must not contain '/'.", nameof(name));
        }
    }
}
