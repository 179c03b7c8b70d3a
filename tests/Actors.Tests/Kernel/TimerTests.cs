using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Kernel;

/// <summary>Timers deliver messages through the mailbox, on the system's (fake) clock.</summary>
public sealed class TimerTests
{
    [Fact]
    public async Task Periodic_timer_delivers_its_message_every_interval()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", time);
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new TimedActor(probe)));
        actor.Tell(new StartPeriodic(TimeSpan.FromSeconds(1)));
        await probe.ExpectMsgAsync<string>(m => m == "periodic started");

        time.Advance(TimeSpan.FromSeconds(3));

        for (var i = 0; i < 3; i++)
        {
            await probe.ExpectMsgAsync<Tick>();
        }

        await probe.FlushAsync(actor);
    }

    [Fact]
    public async Task Single_timer_delivers_once()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", time);
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new TimedActor(probe)));
        actor.Tell(new StartSingle(TimeSpan.FromSeconds(2)));
        await probe.ExpectMsgAsync<string>(m => m == "single started");

        time.Advance(TimeSpan.FromSeconds(1));
        await probe.FlushAsync(actor);
        time.Advance(TimeSpan.FromSeconds(1));
        await probe.ExpectMsgAsync<Tick>();
        time.Advance(TimeSpan.FromSeconds(10));

        await probe.FlushAsync(actor);
        Assert.Equal(0, time.ActiveTimers);
    }

    [Fact]
    public async Task Cancelled_timer_delivers_nothing_more()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", time);
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new TimedActor(probe)));
        actor.Tell(new StartPeriodic(TimeSpan.FromSeconds(1)));
        await probe.ExpectMsgAsync<string>(m => m == "periodic started");
        time.Advance(TimeSpan.FromSeconds(1));
        await probe.ExpectMsgAsync<Tick>();

        actor.Tell("cancel");
        await probe.ExpectMsgAsync<string>(m => m == "cancelled");
        time.Advance(TimeSpan.FromSeconds(5));

        await probe.FlushAsync(actor);
        Assert.Equal(0, time.ActiveTimers);
    }

    [Fact]
    public async Task Cancelling_discards_an_expiry_that_is_already_queued()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", time);
        var probe = new TestProbe(system);
        var gate = new TaskCompletionSource();
        var actor = system.ActorOf(Props.Create(() => new TimedActor(probe, gate.Task)));
        actor.Tell(new StartPeriodic(TimeSpan.FromSeconds(1)));
        await probe.ExpectMsgAsync<string>(m => m == "periodic started");

        // The actor is held inside "wait" while "cancel" and then the tick queue up behind it.
        actor.Tell("wait");
        await probe.ExpectMsgAsync<string>(m => m == "waiting");
        actor.Tell("cancel");
        time.Advance(TimeSpan.FromSeconds(1));
        gate.SetResult();

        await probe.ExpectMsgAsync<string>(m => m == "cancelled");
        await probe.FlushAsync(actor);
    }

    [Fact]
    public async Task Timers_are_cancelled_when_the_actor_stops()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", time);
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new TimedActor(probe)));
        actor.Tell(new StartPeriodic(TimeSpan.FromSeconds(1)));
        await probe.ExpectMsgAsync<string>(m => m == "periodic started");

        system.Stop(actor);
        await system.WhenStopped(actor);

        Assert.Equal(0, time.ActiveTimers);
    }

    private sealed record StartPeriodic(TimeSpan Interval);

    private sealed record StartSingle(TimeSpan Delay);

    private sealed record Tick;

    private sealed class TimedActor(IActorRef probe, Task? gate = null) : ActorBase
    {
        protected override async ValueTask OnReceiveAsync(object message)
        {
            switch (message)
            {
                case StartPeriodic p:
                    Timers.StartPeriodicTimer("tick", new Tick(), p.Interval);
                    probe.Tell("periodic started");
                    break;
                case StartSingle s:
                    Timers.StartSingleTimer("tick", new Tick(), s.Delay);
                    probe.Tell("single started");
                    break;
                case "cancel":
                    Timers.Cancel("tick");
                    probe.Tell(Timers.IsTimerActive("tick") ? "still active" : "cancelled");
                    break;
                case "wait":
                    probe.Tell("waiting");
                    await gate!;
                    break;
                default:
                    probe.Tell(message, Sender);
                    break;
            }
        }
    }
}
