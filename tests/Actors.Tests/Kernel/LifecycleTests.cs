using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Kernel;

/// <summary>Start, stop, poison pill and system termination.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Stopping_an_actor_runs_PostStop()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new LifecycleActor(probe, new SharedCounter())));
        await probe.ExpectMsgAsync<string>(m => m == "started 1");

        system.Stop(actor);

        await system.WhenStopped(actor);
        await probe.ExpectMsgAsync<string>(m => m == "stopped 1");
    }

    [Fact]
    public async Task Actor_can_stop_itself_and_later_messages_go_to_dead_letters()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        system.EventStream.Subscribe<DeadLetter>(probe);
        var actor = system.ActorOf(Props.Create(() => new SelfStopper()));

        actor.Tell("stop");
        actor.Tell("too late");

        await system.WhenStopped(actor);
        var dead = await probe.ExpectMsgAsync<DeadLetter>();
        Assert.Equal("too late", dead.Message);
    }

    [Fact]
    public async Task Poison_pill_stops_after_the_messages_queued_before_it()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new LifecycleActor(probe, new SharedCounter())));

        actor.Tell("first");
        actor.Tell("second");
        actor.Tell(PoisonPill.Instance);

        await system.WhenStopped(actor);
        await probe.ExpectMsgAsync<string>(m => m == "started 1");
        await probe.ExpectMsgAsync<string>(m => m == "first");
        await probe.ExpectMsgAsync<string>(m => m == "second");
        await probe.ExpectMsgAsync<string>(m => m == "stopped 1");
    }

    [Fact]
    public async Task Terminate_stops_every_actor()
    {
        var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var a = system.ActorOf(Props.Create(() => new LifecycleActor(probe, new SharedCounter())), "a");
        var b = system.ActorOf(Props.Create(() => new LifecycleActor(probe, new SharedCounter())), "b");
        await probe.ExpectMsgAsync<string>(m => m == "started 1");
        await probe.ExpectMsgAsync<string>(m => m == "started 1");

        await system.Terminate();

        Assert.True(system.WhenStopped(a).IsCompletedSuccessfully);
        Assert.True(system.WhenStopped(b).IsCompletedSuccessfully);
        await probe.ExpectMsgAsync<string>(m => m == "stopped 1");
        await probe.ExpectMsgAsync<string>(m => m == "stopped 1");
    }

    [Fact]
    public async Task Actor_paths_name_the_system_and_the_actor()
    {
        await using var system = new ActorSystem("node1");

        var actor = system.ActorOf(Props.Create(() => new EchoActor()), "raft");

        Assert.Equal("raft", actor.Name);
        Assert.Equal("raft://node1/user/raft", actor.Path);
    }

    [Fact]
    public void Actors_cannot_be_created_with_new()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new EchoActor());

        Assert.Contains("ActorOf", error.Message, StringComparison.Ordinal);
    }

    private sealed class SelfStopper : ActorBase
    {
        protected override void OnReceive(object message) => Context.Stop(Self);
    }
}
