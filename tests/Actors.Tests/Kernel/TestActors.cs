using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Kernel;

/// <summary>Replies to every message with the message itself; a <see cref="Status.Failure"/> is replied as is.</summary>
internal sealed class EchoActor : ActorBase
{
    protected override void OnReceive(object message) => Sender.Tell(message, Self);
}

/// <summary>Ignores everything: the actor that never answers an ask.</summary>
internal sealed class SilentActor : ActorBase
{
    protected override void OnReceive(object message)
    {
    }
}

/// <summary>
/// Reports its lifecycle to a probe and fails on demand: "boom" throws, "fail-stop" fail-stops,
/// "ping" answers with the instance number, anything else is forwarded to the probe.
/// </summary>
internal sealed class LifecycleActor : ReceiveActor
{
    private readonly IActorRef _probe;
    private readonly int _instance;

    public LifecycleActor(IActorRef probe, SharedCounter instances, bool failInPreStart = false)
    {
        _probe = probe;
        _instance = Interlocked.Increment(ref instances.Value);
        FailInPreStart = failInPreStart;
        Receive<string>(_ => throw new InvalidOperationException("boom"), m => m == "boom");
        Receive<string>(
            _ => throw new ActorFailStopException("journal write failed", new IOException("disk full")),
            m => m == "fail-stop");
        Receive<string>(_ => Sender.Tell(_instance), m => m == "ping");
        ReceiveAny(m => _probe.Tell(m, Sender));
    }

    private bool FailInPreStart { get; }

    protected override void PreStart()
    {
        _probe.Tell($"started {_instance}");
        if (FailInPreStart)
        {
            throw new IOException("cannot open the journal");
        }
    }

    protected override void PostStop() => _probe.Tell($"stopped {_instance}");

    protected override void PreRestart(Exception reason, object? message) => _probe.Tell($"restarting {_instance}");
}

/// <summary>A counter shared between a test and its actors' factories.</summary>
internal sealed class SharedCounter
{
    public int Value;
}

internal static class ProbeExtensions
{
    /// <summary>
    /// Sends a marker through <paramref name="actor"/> (which must forward unknown messages to the
    /// probe) and expects it back: everything the actor had queued before has been handled by then,
    /// so a test can assert that something did not happen without waiting on the clock.
    /// </summary>
    public static async Task FlushAsync(this TestProbe probe, IActorRef actor)
    {
        var marker = new Flush(Guid.NewGuid());
        actor.Tell(marker, probe);
        await probe.ExpectMsgAsync<Flush>(f => f == marker);
    }
}

internal sealed record Flush(Guid Id);
