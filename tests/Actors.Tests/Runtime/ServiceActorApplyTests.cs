using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>Applying committed entries: order, replies, redelivery, no-ops, unknown namespaces, fail-stop.</summary>
public sealed class ServiceActorApplyTests(ITestOutputHelper output) : ServiceActorTestKit(output)
{
    [Fact]
    public async Task Entries_are_applied_in_order_and_waiters_get_the_apply_result()
    {
        var kv = new KvService();
        var h = Start([kv]);
        var (a, replyA) = h.Waiter();
        var (b, replyB) = h.Waiter();

        h.Apply(Set(1, "x", "1", a), Set(2, "x", "2"), Set(3, "y", "3", b));

        Assert.Equal("1:x=1", Text(await replyA.WaitAsync(Deadline)));
        Assert.Equal("3:y=3", Text(await replyB.WaitAsync(Deadline)));
        Assert.Equal("2", Text(await h.Query("get x").WaitAsync(Deadline)));
        Assert.Equal(3UL, h.State.AppliedIndex);
        Assert.Equal(3, kv.AppliedCount);
    }

    [Fact]
    public async Task Entries_proposed_by_another_node_do_not_complete_local_waiters()
    {
        var h = Start([new KvService()]);
        var (id, reply) = h.Waiter();

        h.Apply(Set(1, "x", "1", id, origin: 2));
        await h.Settle();

        Assert.False(reply.IsCompleted);
        Assert.True(h.Registry.IsPending(id));
    }

    [Fact]
    public async Task Redelivered_entries_are_ignored()
    {
        var kv = new KvService();
        var h = Start([kv]);
        h.Apply(Set(1, "x", "1"), Set(2, "x", "2"), Set(3, "x", "3"));
        var (id, reply) = h.Waiter();

        // A restarted RaftActor hands over 2..3 again, then the new entry 4.
        h.Apply(Set(2, "x", "stale"), Set(3, "x", "stale"), Set(4, "y", "4", id));

        Assert.Equal("4:y=4", Text(await reply.WaitAsync(Deadline)));
        Assert.Equal("3", Text(await h.Query("get x").WaitAsync(Deadline)));
        Assert.Equal(4, kv.AppliedCount);
    }

    [Fact]
    public async Task No_ops_membership_entries_and_undecodable_entries_advance_the_index_without_calling_the_service()
    {
        var kv = new KvService();
        var h = Start([kv]);
        var (id, reply) = h.Waiter();
        // The ServiceActor never decodes a membership entry's data: the RaftActor did.
        h.Apply(NoOp(1), new Entry(1, 2, EntryType.ConfChange, [1, 2, 3]),
            new Entry(1, 3, EntryType.Normal, [0xFF, 0x01]), Set(4, "x", "1", id));

        Assert.Equal("4:x=1", Text(await reply.WaitAsync(Deadline)));
        Assert.Equal(1, kv.AppliedCount);
        Assert.Equal(4UL, h.State.AppliedIndex);
    }

    [Fact]
    public async Task An_unknown_namespace_fails_its_waiter_with_NotFound_and_the_log_goes_on()
    {
        var h = Start([new KvService()]);
        var (bad, badReply) = h.Waiter();
        var (good, goodReply) = h.Waiter();

        h.Apply(Set(1, "x", "1", bad, ns: "nope"), Set(2, "x", "2", good));

        var error = await Assert.ThrowsAsync<RaftNodeException>(() => badReply.WaitAsync(Deadline));
        Assert.Equal(RaftErrorCode.NotFound, error.Code);
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
        Assert.Equal("2:x=2", Text(await goodReply.WaitAsync(Deadline)));
    }

    [Fact]
    public async Task A_service_whose_Apply_throws_stops_the_actor()
    {
        var h = Start([new KvService()]);
        var (id, reply) = h.Waiter();

        h.Apply(Set(1, "x", "1"), Command(2, "fail", id), Set(3, "x", "3"));

        // The supervisor (the node's guardian in a node) gets the fail-stop and stops the actor.
        var stop = await ExpectFailStopAsync(h);
        Assert.Contains("'kv'", stop.Message, StringComparison.Ordinal);
        Assert.Contains("entry 2", stop.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(stop.InnerException);
        // Nothing will ever apply what the waiter waits for: it is told at once.
        var error = await Assert.ThrowsAsync<RaftNodeException>(() => reply.WaitAsync(Deadline));
        Assert.Equal(RaftErrorCode.Stopped, error.Code);
        Assert.Same(stop, error.InnerException);
        Assert.Equal(1UL, h.State.AppliedIndex);
    }

    [Fact]
    public async Task A_gap_in_the_entries_stops_the_actor_rather_than_skip_commands()
    {
        var kv = new KvService();
        var h = Start([kv]);

        h.Apply(Set(1, "x", "1"), Set(3, "x", "3"));

        var stop = await ExpectFailStopAsync(h);
        Assert.Contains("missing", stop.Message, StringComparison.Ordinal);
        Assert.Equal(1, kv.AppliedCount);
    }

    [Fact]
    public void Services_with_the_same_or_a_malformed_namespace_are_refused()
    {
        // Refused when the props are made, in the caller, not later inside the actor.
        Assert.Throws<ArgumentException>(() => Start([new KvService("a"), new KvService("a")]));
        Assert.Throws<ArgumentException>(() => Start([new KvService("has space")]));
        Assert.Throws<ArgumentException>(() => Start([new KvService("")]));
        Assert.Throws<ArgumentException>(() => Start([new KvService(new string('n', 65))]));
    }

    [Fact]
    public async Task Several_services_share_one_log_by_namespace()
    {
        var first = new KvService("first");
        var second = new KvService("second");
        var h = Start([second, first]);
        var (id, reply) = h.Waiter();

        h.Apply(Set(1, "k", "a", ns: "first"), Set(2, "k", "b", id, ns: "second"));

        Assert.Equal("2:k=b", Text(await reply.WaitAsync(Deadline)));
        Assert.Equal("a", Text(await h.Query("get k", ns: "first").WaitAsync(Deadline)));
        Assert.Equal("b", Text(await h.Query("get k", ns: "second").WaitAsync(Deadline)));
    }
}
