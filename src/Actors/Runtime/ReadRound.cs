using Akka.Actor;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The reads that share one ReadIndex round: barriers, which want the confirmed index itself, and linearizable
/// queries, which want the service's answer at that index. When the round is confirmed the queries go to the
/// ServiceActor together, in one message that carries the index (<see cref="ServiceQueries"/>): the caller's
/// code does not have to wake up between the round and the query, and the ServiceActor gets one message for
/// the whole round instead of one per read.
/// </summary>
internal sealed class ReadRound
{
    private readonly List<TaskCompletionSource<ulong>> _barriers = [];
    private readonly List<ServiceQuery> _queries = [];

    public void Add(TaskCompletionSource<ulong> barrier) => _barriers.Add(barrier);

    public void Add(ServiceQuery query) => _queries.Add(query);

    /// <summary>Whether every read of the round was completed already (its caller gave up, or it failed).</summary>
    public bool IsAbandoned => _barriers.TrueForAll(c => c.Task.IsCompleted) && _queries.TrueForAll(q => q.Completion.Task.IsCompleted);

    /// <summary>The reads still waiting moved into <paramref name="next"/> (a round asked again); false when none is.</summary>
    public bool MoveWaitingTo(ReadRound next)
    {
        var moved = false;
        foreach (var barrier in _barriers)
        {
            if (barrier.Task.IsCompleted) continue;
            next._barriers.Add(barrier);
            moved = true;
        }
        foreach (var query in _queries)
        {
            if (query.Completion.Task.IsCompleted) continue;
            next._queries.Add(query);
            moved = true;
        }
        return moved;
    }

    /// <summary>The round is confirmed at <paramref name="index"/>: barriers complete, queries go to <paramref name="serviceActor"/> in one message.</summary>
    public void Complete(ulong index, IActorRef serviceActor)
    {
        foreach (var barrier in _barriers) barrier.TrySetResult(index);
        if (_queries.Count > 0) serviceActor.Tell(new ServiceQueries(index, _queries));
    }

    public void Fail(Exception error)
    {
        foreach (var barrier in _barriers) barrier.TrySetException(error);
        foreach (var query in _queries) query.Completion.TrySetException(error);
    }
}
