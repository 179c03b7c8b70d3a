using System.Threading.Channels;
using RaftActors.Actors;

namespace RaftActors.TestKit;

/// <summary>
/// An <see cref="IActorRef"/> for tests that records what it receives, in order, so a test can assert
/// on it (Akka's <c>TestProbe</c>). It is not an actor: anything may tell it anything from any thread.
/// Expectations wait on real time by default, each up to a deadline, and return as soon as they can
/// decide; none sleeps and then looks.
/// </summary>
public sealed partial class TestProbe : IActorRef
{
    private static long s_next;

    private readonly Channel<Envelope> _received = Channel.CreateUnbounded<Envelope>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    private readonly ActorSystem _system;
    private readonly TimeProvider _time;

    // The deadline of the innermost Within block on this async flow, as a TimeProvider timestamp.
    private readonly AsyncLocal<long?> _withinDeadline = new();

    /// <param name="system">The system whose dead letters stand for a missing sender.</param>
    /// <param name="name">For the probe's path in messages; a generated one when omitted.</param>
    /// <param name="timeProvider">The clock of deadlines; real time unless a test needs otherwise.</param>
    public TestProbe(ActorSystem system, string? name = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        _system = system;
        _time = timeProvider ?? TimeProvider.System;
        Name = name ?? "testProbe-" + Interlocked.Increment(ref s_next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Path = $"{system}/probe/{Name}";
        LastSender = system.DeadLetters;
    }

    /// <summary>The default for new probes' <see cref="DefaultTimeout"/>; tests on slow machines may raise it.</summary>
    public static TimeSpan DefaultExpectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long an expectation without an explicit timeout waits (less inside <see cref="Within(TimeSpan, Action)"/>).</summary>
    public TimeSpan DefaultTimeout { get; set; } = DefaultExpectTimeout;

    public string Name { get; }

    public string Path { get; }

    /// <summary>The sender of the last message an expectation took; dead letters before any.</summary>
    public IActorRef LastSender { get; private set; }

    /// <summary>The last message an expectation took.</summary>
    public object? LastMessage { get; private set; }

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        _received.Writer.TryWrite(new Envelope(message, sender ?? _system.DeadLetters));
    }

    /// <summary>Tells <paramref name="target"/> a message with this probe as the sender.</summary>
    public void Send(IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, this);
    }

    /// <summary>Answers the sender of the last message taken, with this probe as the sender.</summary>
    public void Reply(object message) => LastSender.Tell(message, this);

    /// <summary>Passes the last message taken on to <paramref name="target"/>, keeping its original sender.</summary>
    public void Forward(IActorRef target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var message = LastMessage ?? throw new InvalidOperationException("The probe has taken no message to forward yet.");
        target.Tell(message, LastSender);
    }

    public override string ToString() => Path;

    /// <summary>Takes the next message, waiting up to <paramref name="timeout"/>; null when none came.</summary>
    private async Task<Envelope?> TryTakeAsync(TimeSpan timeout)
    {
        if (_received.Reader.TryRead(out var ready))
        {
            return Took(ready);
        }

        if (timeout <= TimeSpan.Zero)
        {
            return null;
        }

        using var expiry = new CancellationTokenSource(timeout, _time);
        try
        {
            return Took(await _received.Reader.ReadAsync(expiry.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested)
        {
            return null;
        }
    }

    private Envelope Took(Envelope envelope)
    {
        LastMessage = envelope.Message;
        LastSender = envelope.Sender;
        return envelope;
    }

    /// <summary>The explicit timeout, or the default, cut to what is left of an enclosing Within.</summary>
    private TimeSpan Remaining(TimeSpan? timeout)
    {
        var wait = timeout ?? DefaultTimeout;
        if (_withinDeadline.Value is { } deadline)
        {
            var left = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
            if (left < wait)
            {
                wait = left < TimeSpan.Zero ? TimeSpan.Zero : left;
            }
        }

        return wait;
    }

    private static string Describe(object? message) =>
        message is null ? "nothing" : $"{message.GetType().Name} {message}";
}
