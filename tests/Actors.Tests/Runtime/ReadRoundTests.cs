using RaftActors.Actors.Runtime;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// One ReadIndex round's reads: a confirmed round completes its barriers with the index and hands all its queries to
/// the ServiceActor in one message at that index; a failed round fails both kinds; a round asked again carries only
/// the reads still waiting.
/// </summary>
public sealed class ReadRoundTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public async Task A_confirmed_round_completes_its_barriers_and_sends_its_queries_in_one_message_at_its_index()
    {
        var service = CreateTestProbe();
        var round = new ReadRound();
        var barrier = Completion<ulong>();
        var first = Query("a");
        var second = Query("b");
        round.Add(barrier);
        round.Add(first);
        round.Add(second);

        round.Complete(42, service);

        Assert.Equal(42UL, await barrier.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        var sent = await service.ExpectMsgAsync<ServiceQueries>();
        Assert.Equal(42UL, sent.AtIndex);
        Assert.Equal([first, second], sent.Queries);
        await service.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_round_of_barriers_only_sends_nothing_to_the_service()
    {
        var service = CreateTestProbe();
        var round = new ReadRound();
        round.Add(Completion<ulong>());

        round.Complete(7, service);

        await service.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_failed_round_fails_its_barriers_and_its_queries()
    {
        var round = new ReadRound();
        var barrier = Completion<ulong>();
        var query = Query("a");
        round.Add(barrier);
        round.Add(query);

        round.Fail(new RaftNodeException(RaftErrorCode.LeadershipLost, "lost"));

        Assert.Equal(RaftErrorCode.LeadershipLost, (await Assert.ThrowsAsync<RaftNodeException>(() => barrier.Task)).Code);
        Assert.Equal(RaftErrorCode.LeadershipLost, (await Assert.ThrowsAsync<RaftNodeException>(() => query.Completion.Task)).Code);
    }

    [Fact]
    public async Task A_round_asked_again_carries_only_the_reads_still_waiting_and_is_abandoned_once_all_gave_up()
    {
        var service = CreateTestProbe();
        var round = new ReadRound();
        var gaveUp = Completion<ulong>();
        var waiting = Completion<ulong>();
        var queryGaveUp = Query("a");
        var queryWaiting = Query("b");
        round.Add(gaveUp);
        round.Add(waiting);
        round.Add(queryGaveUp);
        round.Add(queryWaiting);
        gaveUp.TrySetCanceled();
        queryGaveUp.Completion.TrySetCanceled();
        Assert.False(round.IsAbandoned);

        var again = new ReadRound();
        Assert.True(round.MoveWaitingTo(again));
        again.Complete(9, service);

        Assert.Equal(9UL, await waiting.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal([queryWaiting], (await service.ExpectMsgAsync<ServiceQueries>()).Queries);

        queryWaiting.Completion.TrySetCanceled();
        Assert.True(round.IsAbandoned);
        Assert.False(round.MoveWaitingTo(new ReadRound()));
    }

    private static TaskCompletionSource<T> Completion<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static ServiceQuery Query(string key) => new("kv", System.Text.Encoding.UTF8.GetBytes(key), 0, Completion<byte[]>());
}
