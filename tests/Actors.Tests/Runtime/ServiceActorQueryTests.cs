using System.Text;
using Akka.Actor;
using RaftActors.Actors.Runtime;
using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>Reads at an index, GetInit, and what a failing read does.</summary>
public sealed class ServiceActorQueryTests(ITestOutputHelper output) : ServiceActorTestKit(output)
{
    [Fact]
    public async Task A_query_waits_until_its_index_is_applied()
    {
        var h = Start([new KvService()]);
        var early = h.Query("get x", atIndex: 3);
        var alsoAt2 = h.Query("get x", atIndex: 2);

        h.Apply(Set(1, "x", "1"), Set(2, "x", "2"));
        await h.Settle();

        Assert.Equal("2", Text(await alsoAt2.WaitAsync(Deadline)));
        Assert.False(early.IsCompleted);

        h.Apply(Set(3, "x", "3"), Set(4, "x", "4"));

        // Served after the batch that reached its index: it sees the whole batch.
        Assert.Equal("4", Text(await early.WaitAsync(Deadline)));
    }

    [Fact]
    public async Task A_read_rounds_queries_wait_for_the_rounds_index_and_not_for_their_own()
    {
        var h = Start([new KvService()]);
        h.Apply(Set(1, "x", "1"));
        await h.Settle();

        // Their own AtIndex is 0 (now); the round's index, 2, is what they must wait for.
        var round = h.RoundQueries(2, "get x", "get x");
        var applied = h.RoundQueries(1, "get x");

        Assert.Equal("1", Text(await applied[0].WaitAsync(Deadline)));
        await h.Settle();
        Assert.All(round, r => Assert.False(r.IsCompleted));

        h.Apply(Set(2, "x", "2"));

        Assert.Equal(["2", "2"], (await Task.WhenAll(round).WaitAsync(Deadline)).Select(Text));
    }

    [Fact]
    public async Task A_query_for_an_unknown_namespace_fails_with_NotFound()
    {
        var h = Start([new KvService()]);

        var error = await Assert.ThrowsAsync<RaftNodeException>(() => h.Query("get x", ns: "other").WaitAsync(Deadline));

        Assert.Equal(RaftErrorCode.NotFound, error.Code);
    }

    [Fact]
    public async Task A_throwing_query_fails_only_that_query()
    {
        var h = Start([new KvService()]);
        h.Apply(Set(1, "x", "1"));

        await Assert.ThrowsAsync<ArgumentException>(() => h.Query("nonsense").WaitAsync(Deadline));

        Assert.Equal("1", Text(await h.Query("get x").WaitAsync(Deadline)));
        Assert.Empty(h.Failures);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100)); // no Terminated
    }

    [Fact]
    public async Task GetInit_packs_the_current_state()
    {
        var h = Start([new KvService()]);
        h.Apply(Set(1, "a", "1"), Set(2, "b", "2"));
        await h.Settle();
        var init = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var missing = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);

        h.Actor.Tell(new ServiceInitRequest("kv", init));
        h.Actor.Tell(new ServiceInitRequest("nope", missing));

        Assert.Equal("a=1\nb=2\n", Encoding.UTF8.GetString(await init.Task.WaitAsync(Deadline)));
        var error = await Assert.ThrowsAsync<RaftNodeException>(() => missing.Task.WaitAsync(Deadline));
        Assert.Equal(RaftErrorCode.NotFound, error.Code);
    }

    [Fact]
    public async Task Waiting_queries_fail_with_Stopped_when_the_actor_stops()
    {
        var h = Start([new KvService()]);
        var waiting = h.Query("get x", atIndex: 10);
        await h.Settle();

        Sys.Stop(h.Actor);

        var error = await Assert.ThrowsAsync<RaftNodeException>(() => waiting.WaitAsync(Deadline));
        Assert.Equal(RaftErrorCode.Stopped, error.Code);
        await ExpectTerminatedAsync(h.Actor);
    }
}
