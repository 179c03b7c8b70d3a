using System.Threading.Channels;

namespace RaftActors.Actors;

/// <summary>
/// The runtime side of one actor: its mailbox, its single processing loop, its current instance and
/// its timers. The loop is the only code that touches the instance, so handlers never overlap.
/// </summary>
/// <remarks>
/// The mailbox is unbounded on purpose. <see cref="IActorRef.Tell"/> must never block or fail: a
/// bounded mailbox would make a sender wait on a slow receiver (and two actors telling each other
/// could deadlock) or silently drop. Back-pressure belongs to the protocols on top, which already
/// bound what is in flight (Raft's per-peer window, the limit on uncommitted proposals).
/// </remarks>
internal sealed partial class ActorCell : IActorContext
{
    [ThreadStatic]
    private static ActorCell? t_constructing;

    private readonly Channel<Envelope> _mailbox = Channel.CreateUnbounded<Envelope>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Envelope> _batch = [];
    private readonly Props _props;
    private readonly TimerScheduler _timers;
    private ActorBase? _actor;
    private volatile bool _stopRequested;
    private IActorRef _sender;

    // Index in _batch of the message the default batch dispatch is handling; -1 outside it.
    private int _batchPosition = -1;

    internal ActorCell(ActorSystem system, string name, Props props)
    {
        System = system;
        Name = name;
        Path = $"{system.Address}/user/{name}";
        Self = new LocalActorRef(this);
        _props = props;
        _timers = new TimerScheduler(this);
        _restarts = new RestartStatistics(props.SupervisorStrategy, system.TimeProvider);
        _sender = system.DeadLetters;
    }

    /// <summary>The cell whose factory is running on this thread; read by the <see cref="ActorBase"/> constructor.</summary>
    internal static ActorCell? Constructing => t_constructing;

    public ActorSystem System { get; }

    public IActorRef Self { get; }

    public IActorRef Sender => _sender;

    public ITimerScheduler Timers => _timers;

    internal string Name { get; }

    internal string Path { get; }

    /// <summary>Completes when the actor has stopped; faults with the failure that stopped it, if any.</summary>
    internal Task Completion => _stopped.Task;

    /// <summary>Starts the loop on the thread pool: the actor's constructor never runs in <c>ActorOf</c>'s caller.</summary>
    internal void Start() => _ = Task.Run(RunAsync);

    internal void Post(Envelope envelope)
    {
        if (!_mailbox.Writer.TryWrite(envelope))
        {
            System.DeadLetterRef.Publish(envelope.Message, envelope.Sender, Self);
        }
    }

    /// <summary>A tick that arrives after the actor stopped is dropped: its timer no longer exists.</summary>
    internal void PostTimer(TimerFired fired) => _mailbox.Writer.TryWrite(new Envelope(fired, System.DeadLetters));

    public void Stop(IActorRef actor)
    {
        if (ReferenceEquals(actor, Self))
        {
            RequestStop();
        }
        else
        {
            System.Stop(actor);
        }
    }

    /// <summary>
    /// Closes the mailbox (later tells go to dead letters at once) and makes the loop exit after the
    /// current message; whatever is still queued then goes to dead letters.
    /// </summary>
    internal void RequestStop()
    {
        _stopRequested = true;
        _mailbox.Writer.TryComplete();
    }

    internal void BeginMessage(Envelope envelope)
    {
        _sender = envelope.Sender;
        _currentMessage = envelope.Message;
    }

    /// <summary>Marks how far the default batch dispatch got, so a failure can dead-letter the rest.</summary>
    internal void BeginBatchMessage(IReadOnlyList<Envelope> batch, int index)
    {
        BeginMessage(batch[index]);
        if (ReferenceEquals(batch, _batch))
        {
            _batchPosition = index;
        }
    }

    private void EndMessage()
    {
        _sender = System.DeadLetters;
        _currentMessage = null;
    }

    private async Task RunAsync()
    {
        try
        {
            if (!StartInstance(restartReason: null))
            {
                return;
            }

            var reader = _mailbox.Reader;
            while (!_stopRequested && await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                var keepGoing = _actor!.BatchSize > 1
                    ? await RunBatchAsync(reader, _actor.BatchSize).ConfigureAwait(false)
                    : await RunOneAsync(reader).ConfigureAwait(false);
                if (!keepGoing)
                {
                    break;
                }
            }
        }
#pragma warning disable CA1031 // The loop must end in Finish whatever happens, and report it.
        catch (Exception bug)
#pragma warning restore CA1031
        {
            // Handler failures are caught below; reaching this is a kernel fault. Report it, then stop.
            _failure ??= bug;
            System.EventStream.Publish(new ActorFailed(Self, bug, null, Directive.Stop));
        }
        finally
        {
            Finish();
        }
    }

    private async ValueTask<bool> RunOneAsync(ChannelReader<Envelope> reader)
    {
        if (_stopRequested || !reader.TryRead(out var envelope))
        {
            return !_stopRequested;
        }

        var message = envelope.Message;
        if (message is TimerFired fired && !_timers.TryAccept(fired, out message))
        {
            return true;
        }

        if (message is PoisonPill)
        {
            RequestStop();
            return false;
        }

        BeginMessage(envelope with { Message = message });
        try
        {
            var pending = _actor!.InvokeReceiveAsync(message);
            if (!pending.IsCompletedSuccessfully)
            {
                await pending.ConfigureAwait(false);
            }

            return true;
        }
#pragma warning disable CA1031 // Any exception from user code goes to the supervisor.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            return OnFailure(failure, message);
        }
        finally
        {
            EndMessage();
        }
    }

    private async ValueTask<bool> RunBatchAsync(ChannelReader<Envelope> reader, int max)
    {
        // Take what is queued now, not what arrives while the batch runs: a batch is bounded in size and
        // in latency, and whatever arrives meanwhile is the next batch.
        var poisoned = false;
        while (_batch.Count < max && !_stopRequested && reader.TryRead(out var envelope))
        {
            var message = envelope.Message;
            if (message is PoisonPill)
            {
                poisoned = true;
                break;
            }

            if (message is not TimerFired fired || _timers.TryAccept(fired, out message))
            {
                _batch.Add(envelope with { Message = message });
            }
        }

        try
        {
            if (_batch.Count > 0)
            {
                var pending = _actor!.InvokeBatchAsync(_batch);
                if (!pending.IsCompletedSuccessfully)
                {
                    await pending.ConfigureAwait(false);
                }
            }
        }
#pragma warning disable CA1031 // Any exception from user code goes to the supervisor.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            // The instance that would have handled the rest is gone (or resumed past them): they are
            // undeliverable, and must be seen to be.
            for (var i = _batchPosition + 1; _batchPosition >= 0 && i < _batch.Count; i++)
            {
                System.DeadLetterRef.Publish(_batch[i].Message, _batch[i].Sender, Self);
            }

            if (!OnFailure(failure, _currentMessage))
            {
                return false;
            }
        }
        finally
        {
            EndMessage();
            _batchPosition = -1;
            _batch.Clear();
        }

        if (poisoned)
        {
            RequestStop();
            return false;
        }

        return !_stopRequested;
    }

    /// <summary>Runs once, when the loop ends for any reason; nothing queued is lost silently.</summary>
    private void Finish()
    {
        RequestStop();
        _timers.CancelAll();
        if (_actor is { } actor)
        {
            _actor = null;
            RunHook(() => actor.InvokePostStop(), Directive.Stop);
        }

        while (_mailbox.Reader.TryRead(out var envelope))
        {
            if (envelope.Message is not TimerFired)
            {
                System.DeadLetterRef.Publish(envelope.Message, envelope.Sender, Self);
            }
        }

        System.Remove(this);
        if (_failure is null)
        {
            _stopped.TrySetResult();
        }
        else
        {
            _stopped.TrySetException(_failure);
        }
    }
}
