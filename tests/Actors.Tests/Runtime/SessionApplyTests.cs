using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>Exactly-once client sessions as the ServiceActor applies them.</summary>
public sealed class SessionApplyTests(ITestOutputHelper output) : ServiceActorTestKit(output)
{
    [Fact]
    public async Task A_duplicate_client_sequence_is_applied_once_and_answered_with_the_first_result()
    {
        var kv = new KvService();
        var h = Start([kv]);
        var (first, firstReply) = h.Waiter();
        var (retry, retryReply) = h.Waiter();

        // The client retried after a timeout: the same (client, sequence) was committed twice.
        h.Apply(Set(1, "x", "1", first, client: 42, sequence: 1), Set(2, "x", "1", retry, client: 42, sequence: 1));

        Assert.Equal("1:x=1", Text(await firstReply.WaitAsync(Deadline)));
        Assert.Equal("1:x=1", Text(await retryReply.WaitAsync(Deadline)));
        Assert.Equal(1, kv.AppliedCount);
    }

    [Fact]
    public async Task A_duplicate_proposed_by_another_node_is_skipped_here_too()
    {
        var kv = new KvService();
        var h = Start([kv]);

        h.Apply(Set(1, "x", "1", 100, origin: 2, client: 42, sequence: 1), Set(2, "x", "2", 101, origin: 3, client: 42, sequence: 1));
        await h.Settle();

        Assert.Equal(1, kv.AppliedCount);
        Assert.Equal("1", Text(await h.Query("get x").WaitAsync(Deadline)));
    }

    [Fact]
    public async Task A_stale_sequence_fails_with_StaleSequence_and_is_not_applied()
    {
        var kv = new KvService();
        var h = Start([kv]);
        var (stale, staleReply) = h.Waiter();

        h.Apply(Set(1, "x", "1", client: 42, sequence: 1), Set(2, "x", "2", client: 42, sequence: 2),
            Set(3, "x", "old", stale, client: 42, sequence: 1));

        var error = await Assert.ThrowsAsync<RaftNodeException>(() => staleReply.WaitAsync(Deadline));
        Assert.Equal(RaftErrorCode.StaleSequence, error.Code);
        Assert.Equal("2", Text(await h.Query("get x").WaitAsync(Deadline)));
        Assert.Equal(2, kv.AppliedCount);
    }

    [Fact]
    public async Task A_session_command_with_sequence_zero_is_refused_as_a_bad_request()
    {
        var kv = new KvService();
        var h = Start([kv]);
        var (id, reply) = h.Waiter();

        h.Apply(Set(1, "x", "1", id, client: 42, sequence: 0));

        var error = await Assert.ThrowsAsync<RaftNodeException>(() => reply.WaitAsync(Deadline));
        Assert.Equal(RaftErrorCode.BadRequest, error.Code);
        Assert.Equal(0, kv.AppliedCount);
    }

    [Fact]
    public async Task Sessions_are_per_client_and_commands_without_a_client_are_never_deduplicated()
    {
        var kv = new KvService();
        var h = Start([kv]);

        h.Apply(Set(1, "x", "1", client: 1, sequence: 1), Set(2, "x", "2", client: 2, sequence: 1),
            Set(3, "y", "1"), Set(4, "y", "1"));
        await h.Settle();

        Assert.Equal(4, kv.AppliedCount);
    }

    [Fact]
    public async Task Eviction_forgets_the_client_with_the_oldest_last_command()
    {
        var kv = new KvService();
        var h = Start([kv], maxSessions: 2);
        var (retry1, retry1Reply) = h.Waiter();
        var (retry3, retry3Reply) = h.Waiter();

        h.Apply(Set(1, "a", "1", client: 1, sequence: 1), Set(2, "b", "1", client: 2, sequence: 1),
            Set(3, "a", "2", client: 1, sequence: 2), Set(4, "c", "1", client: 3, sequence: 1), // evicts client 2
            Set(5, "c", "1", retry3, client: 3, sequence: 1), Set(6, "a", "2", retry1, client: 1, sequence: 2),
            Set(7, "b", "again", client: 2, sequence: 1)); // client 2 was forgotten: applied again

        Assert.Equal("4:c=1", Text(await retry3Reply.WaitAsync(Deadline)));
        Assert.Equal("3:a=2", Text(await retry1Reply.WaitAsync(Deadline)));
        Assert.Equal("again", Text(await h.Query("get b").WaitAsync(Deadline)));
        Assert.Equal(5, kv.AppliedCount);
    }
}
