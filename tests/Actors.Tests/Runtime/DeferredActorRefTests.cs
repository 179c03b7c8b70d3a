using RaftActors.Actors.Runtime;
using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Runtime;

public sealed class DeferredActorRefTests
{
    [Fact]
    public async Task Messages_told_before_the_target_is_set_arrive_first_and_in_order()
    {
        await using var system = new ActorSystem("deferred");
        var probe = new TestProbe(system);
        var deferred = new DeferredActorRef("raft");

        deferred.Tell("early-1");
        deferred.Tell("early-2");
        deferred.Target = probe;
        deferred.Tell("late");

        Assert.Equal("early-1", probe.ExpectMsg<string>());
        Assert.Equal("early-2", probe.ExpectMsg<string>());
        Assert.Equal("late", probe.ExpectMsg<string>());
    }
}
