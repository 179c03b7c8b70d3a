using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Kernel;

/// <summary>Restart from a fresh instance, restart limits, resume, escalation and fail-stop.</summary>
public sealed class SupervisionTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Throwing_actor_is_restarted_with_a_fresh_instance_and_keeps_processing()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var failures = new TestProbe(system);
        system.EventStream.Subscribe<ActorFailed>(failures);
        var instances = new SharedCounter();
        var actor = system.ActorOf(Props.Create(() => new LifecycleActor(probe, instances)));
        await probe.ExpectMsgAsync<string>(m => m == "started 1");

        actor.Tell("boom");
        actor.Tell("after the failure");

        await probe.ExpectMsgAsync<string>(m => m == "restarting 1");
        await probe.ExpectMsgAsync<string>(m => m == "started 2");
        await probe.ExpectMsgAsync<string>(m => m == "after the failure");
        Assert.Equal(2, await actor.Ask<int>("ping", Long));
        var failed = await failures.ExpectMsgAsync<ActorFailed>();
        Assert.Equal(Directive.Restart, failed.Directive);
        Assert.Equal("boom", failed.Message);
        Assert.IsType<InvalidOperationException>(failed.Cause);
    }

    [Fact]
    public async Task Actor_stops_when_it_exceeds_its_restart_limit()
    {
        await using var system = new ActorSystem("test", new ManualTimeProvider());
        var probe = new TestProbe(system);
        var failures = new TestProbe(system);
        system.EventStream.Subscribe<ActorFailed>(failures);
        var instances = new SharedCounter();
        var strategy = new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart);
        var actor = system.ActorOf(Props.Create(() => new LifecycleActor(probe, instances)).WithSupervisorStrategy(strategy));

        for (var i = 0; i < 3; i++)
        {
            actor.Tell("boom");
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => system.WhenStopped(actor));
        Assert.Equal(Directive.Restart, (await failures.ExpectMsgAsync<ActorFailed>()).Directive);
        Assert.Equal(Directive.Restart, (await failures.ExpectMsgAsync<ActorFailed>()).Directive);
        Assert.Equal(Directive.Stop, (await failures.ExpectMsgAsync<ActorFailed>()).Directive);
        await probe.FishForMessageAsync<string>(m => m == "stopped 3");
    }

    [Fact]
    public async Task Restart_limit_counts_only_failures_within_the_window()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", time);
        var probe = new TestProbe(system);
        var instances = new SharedCounter();
        var strategy = new OneForOneStrategy(1, TimeSpan.FromMinutes(1), _ => Directive.Restart);
        var actor = system.ActorOf(Props.Create(() => new LifecycleActor(probe, instances)).WithSupervisorStrategy(strategy));

        actor.Tell("boom");
        await probe.FishForMessageAsync<string>(m => m == "started 2");
        time.Advance(TimeSpan.FromMinutes(2));
        actor.Tell("boom");
        await probe.FishForMessageAsync<string>(m => m == "started 3");

        Assert.Equal(3, await actor.Ask<int>("ping", Long));
    }

    [Fact]
    public async Task Resume_keeps_the_instance()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var strategy = new OneForOneStrategy(-1, TimeSpan.FromMinutes(1), _ => Directive.Resume);
        var actor = system.ActorOf(Props.Create(() => new LifecycleActor(probe, new SharedCounter())).WithSupervisorStrategy(strategy));

        actor.Tell("boom");

        Assert.Equal(1, await actor.Ask<int>("ping", Long));
        await probe.ExpectMsgAsync<string>(m => m == "started 1");
        await probe.FlushAsync(actor);
    }

    [Fact]
    public async Task Fail_stop_stops_the_actor_reports_the_error_and_dead_letters_what_follows()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var events = new TestProbe(system);
        system.EventStream.Subscribe<ActorFailed>(events);
        system.EventStream.Subscribe<DeadLetter>(events);

        // A strategy that would restart anything: fail-stop must not go through it.
        var restartAll = new OneForOneStrategy(-1, TimeSpan.FromMinutes(1), _ => Directive.Restart);
        var actor = system.ActorOf(Props.Create(() => new LifecycleActor(probe, new SharedCounter())).WithSupervisorStrategy(restartAll));
        await probe.ExpectMsgAsync<string>(m => m == "started 1");

        actor.Tell("fail-stop");
        var error = await Assert.ThrowsAsync<ActorFailStopException>(() => system.WhenStopped(actor));
        actor.Tell("not acknowledged", probe);

        Assert.IsType<IOException>(error.InnerException);
        var failed = await events.ExpectMsgAsync<ActorFailed>();
        Assert.Equal(Directive.Stop, failed.Directive);
        Assert.Same(error, failed.Cause);
        var dead = await events.ExpectMsgAsync<DeadLetter>();
        Assert.Equal("not acknowledged", dead.Message);
        await probe.ExpectMsgAsync<string>(m => m == "stopped 1");
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Failing_initialization_stops_the_actor_by_default()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new LifecycleActor(probe, new SharedCounter(), failInPreStart: true)));

        var error = await Assert.ThrowsAsync<ActorInitializationException>(() => system.WhenStopped(actor));

        Assert.IsType<IOException>(error.InnerException);
        Assert.Contains(actor.Path, error.Message, StringComparison.Ordinal);
        await probe.ExpectMsgAsync<string>(m => m == "started 1");
    }

    [Fact]
    public async Task Escalation_terminates_the_system_with_the_cause()
    {
        var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var escalate = new OneForOneStrategy(-1, TimeSpan.FromMinutes(1), _ => Directive.Escalate);
        var failing = system.ActorOf(Props.Create(() => new LifecycleActor(probe, new SharedCounter())).WithSupervisorStrategy(escalate));
        var bystander = system.ActorOf(Props.Create(() => new EchoActor()));

        failing.Tell("boom");

        await Assert.ThrowsAsync<InvalidOperationException>(() => system.WhenTerminated);
        await system.WhenStopped(bystander);
        Assert.Throws<ObjectDisposedException>(() => system.ActorOf(Props.Create(() => new EchoActor())));
    }
}
