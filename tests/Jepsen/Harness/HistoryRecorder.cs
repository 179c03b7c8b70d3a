using System.Collections.Concurrent;
using System.Diagnostics;
using RaftActors.Jepsen.Checker;

namespace RaftActors.Jepsen.Harness;

/// <summary>Runs client operations and records each with its invocation and completion time (µs since the run began) and outcome.</summary>
internal sealed class HistoryRecorder
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Operation> _operations = new();
    private readonly ConcurrentQueue<string> _anomalies = new();
    private int _nextId;

    public long Now => _clock.Elapsed.Ticks / 10;

    public IReadOnlyList<Operation> Operations => [.. _operations.OrderBy(o => o.Id)];

    /// <summary>Answers the client could not make sense of (a success carrying another value): each one fails the run.</summary>
    public IReadOnlyList<string> Anomalies => [.. _anomalies];

    /// <param name="node">The id of the node the request goes to.</param>
    public async Task<Operation> WriteAsync(int process, int node, NodeClient client, string key, string value)
    {
        var id = Interlocked.Increment(ref _nextId);
        var invoked = Now;
        Outcome outcome;
        try
        {
            (outcome, _) = await client.SetAsync(key, value, CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            _anomalies.Enqueue(ex.Message);
            outcome = Outcome.Unknown;
        }
        return Record(new Operation(id, process, key, OpKind.Write, value, invoked, Now, outcome, node));
    }

    public async Task<Operation> ReadAsync(int process, int node, NodeClient client, string key)
    {
        var id = Interlocked.Increment(ref _nextId);
        var invoked = Now;
        var (outcome, value, _) = await client.GetAsync(key, CancellationToken.None).ConfigureAwait(false);
        return Record(new Operation(id, process, key, OpKind.Read, value, invoked, Now, outcome, node));
    }

    private Operation Record(Operation op)
    {
        _operations.Enqueue(op);
        return op;
    }
}
