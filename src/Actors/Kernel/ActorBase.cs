namespace RaftActors.Actors;

/// <summary>What an actor can reach of the kernel while it handles a message (Akka's <c>Context</c>).</summary>
public interface IActorContext
{
    ActorSystem System { get; }

    IActorRef Self { get; }

    /// <summary>The sender of the message being handled; dead letters when there is none.</summary>
    IActorRef Sender { get; }

    /// <summary>This actor's timers; they belong to the instance and are cancelled when it stops or restarts.</summary>
    ITimerScheduler Timers { get; }

    /// <summary>Stops <paramref name="actor"/>; for <see cref="Self"/>, after the current message.</summary>
    void Stop(IActorRef actor);
}

/// <summary>
/// The base of every actor. The kernel calls an instance from one loop at a time: handlers never run
/// concurrently, and an async handler is awaited before the next message is taken, so an actor can
/// await I/O (a journal write) without locks and without reordering its mailbox.
/// </summary>
/// <remarks>
/// Override <see cref="OnReceive"/> for synchronous handling or <see cref="OnReceiveAsync"/> for
/// asynchronous handling (or derive from <see cref="ReceiveActor"/>). To drain the mailbox in batches,
/// override <see cref="MaxBatchSize"/> and <see cref="OnBatchAsync"/>.
/// </remarks>
public abstract class ActorBase
{
    private readonly ActorCell _cell;

    /// <summary>Binds the new instance to the cell that is building it; <c>new</c> outside <see cref="ActorSystem.ActorOf"/> throws.</summary>
    protected ActorBase()
    {
        _cell = ActorCell.Constructing ?? throw new InvalidOperationException(
            $"{GetType().Name} must be created by ActorSystem.ActorOf(Props.Create(() => new {GetType().Name}(...))), not with 'new'.");
    }

    internal ActorCell Cell => _cell;

    protected IActorContext Context => _cell;

    protected IActorRef Self => _cell.Self;

    protected IActorRef Sender => _cell.Sender;

    protected ITimerScheduler Timers => _cell.Timers;

    /// <summary>
    /// How many queued messages one turn of the loop may take. 1 (the default) delivers messages one by
    /// one; more makes the loop hand everything queued, up to this many, to <see cref="OnBatchAsync"/>.
    /// </summary>
    protected virtual int MaxBatchSize => 1;

    /// <summary>Handles one message synchronously; the default reports it as unhandled.</summary>
    protected virtual void OnReceive(object message) => Unhandled(message);

    /// <summary>Handles one message; the loop awaits the returned task before the next message.</summary>
    protected virtual ValueTask OnReceiveAsync(object message)
    {
        OnReceive(message);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Handles every message that was queued when the turn began (only when <see cref="MaxBatchSize"/>
    /// &gt; 1). The default hands each to <see cref="OnReceiveAsync"/> in order with <see cref="Sender"/>
    /// set; an override typically calls it and then does work once per batch (a group commit). The list
    /// is reused by the next turn: copy what must outlive the call. If a message fails during this default
    /// dispatch, the messages after it in the batch go to dead letters (the failing one is dropped, as
    /// in one-by-one mode); an override that fails without dispatching through here drops the batch.
    /// </summary>
    protected virtual async ValueTask OnBatchAsync(IReadOnlyList<Envelope> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            _cell.BeginBatchMessage(batch, i);
            var pending = OnReceiveAsync(batch[i].Message);
            if (!pending.IsCompletedSuccessfully)
            {
                await pending.ConfigureAwait(false);
            }
        }
    }

    /// <summary>Publishes <paramref name="message"/> as an <see cref="UnhandledMessage"/> on the event stream.</summary>
    protected void Unhandled(object message) =>
        _cell.System.EventStream.Publish(new UnhandledMessage(message, Sender, Self));

    // The kernel's entry points. The hooks themselves are protected, not protected internal, so that
    // assemblies with InternalsVisibleTo (tests, TestKit) override them with the same modifier as users.
    internal int BatchSize => MaxBatchSize;

    internal ValueTask InvokeReceiveAsync(object message) => OnReceiveAsync(message);

    internal ValueTask InvokeBatchAsync(IReadOnlyList<Envelope> batch) => OnBatchAsync(batch);

    internal void InvokePreStart() => PreStart();

    internal void InvokePostStop() => PostStop();

    internal void InvokePreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void InvokePostRestart(Exception reason) => PostRestart(reason);

    /// <summary>Runs once after the first instance is built, before any message.</summary>
    protected virtual void PreStart()
    {
    }

    /// <summary>Runs once when the actor stops (not when an instance is replaced; see <see cref="PreRestart"/>).</summary>
    protected virtual void PostStop()
    {
    }

    /// <summary>Runs on the failed instance before it is replaced; the default calls <see cref="PostStop"/>.</summary>
    protected virtual void PreRestart(Exception reason, object? message) => PostStop();

    /// <summary>Runs on the fresh instance after a restart; the default calls <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();
}
