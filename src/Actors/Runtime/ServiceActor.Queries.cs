using Akka.Actor;
namespace RaftActors.Actors.Runtime;

/// <summary>Reads at an index and GetInit: they only read the services, so a failure fails that request alone.</summary>
internal sealed partial class ServiceActor
{
    /// <summary>Runs the queries whose index is now applied, in the order they came.</summary>
    private void ServeWaitingQueries()
    {
        var kept = 0;
        for (var i = 0; i < _waitingQueries.Count; i++)
        {
            var query = _waitingQueries[i];
            if (query.AtIndex <= _applied) RunQuery(_byNamespace[query.Namespace], query);
            else _waitingQueries[kept++] = query;
        }
        _waitingQueries.RemoveRange(kept, _waitingQueries.Count - kept);
    }

    private void OnQuery(ServiceQuery query)
    {
        if (!_byNamespace.TryGetValue(query.Namespace, out var service))
        {
            query.Completion.TrySetException(NotFound(query.Namespace));
            return;
        }
        if (query.AtIndex <= _applied) RunQuery(service, query);
        else _waitingQueries.Add(query);
    }

    /// <summary>A ReadIndex round's queries: run now if the round's index is applied, else they wait for it, in order.</summary>
    private void OnQueries(ServiceQueries round)
    {
        foreach (var query in round.Queries) OnQuery(round.AtIndex <= _applied ? query : query with { AtIndex = round.AtIndex });
    }

    private static void RunQuery(IService service, ServiceQuery query)
    {
        // A read whose caller gave up (its deadline passed) is not run.
        if (query.Completion.Task.IsCompleted) return;
        try
        {
            query.Completion.TrySetResult(service.Query(query.Query));
        }
#pragma warning disable CA1031 // A failing read fails that read only; the service's state is untouched.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            query.Completion.TrySetException(ex);
        }
    }

    private void OnInit(ServiceInitRequest request)
    {
        if (!_byNamespace.TryGetValue(request.Namespace, out var service))
        {
            request.Completion.TrySetException(NotFound(request.Namespace));
            return;
        }
        try
        {
            request.Completion.TrySetResult(service.GetInit());
        }
#pragma warning disable CA1031 // GetInit only reads; its failure goes to the one who asked.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            request.Completion.TrySetException(ex);
        }
    }

    private static RaftNodeException NotFound(string ns) =>
        new(RaftErrorCode.NotFound, $"no service has the namespace '{ns}'");
}
