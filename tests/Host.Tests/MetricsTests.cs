using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using RaftActors.Host.Diagnostics;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// The meter <c>RaftActors.Host</c> as dotnet-counters would read it: a MeterListener on one in-process node
/// (only that node's meter, by its factory scope, so parallel tests do not mix in) sees proposals, commit
/// latency, the applied index, the election that made the node leader and the size of the snapshots it took.
/// </summary>
public sealed class MetricsTests
{
    private const int Writes = 12;

    [Fact]
    public async Task Writes_record_proposals_latency_applied_index_elections_and_snapshot_sizes()
    {
        using var dir = new TempDir();
        await using var host = InProcessHost.Build(dir.Path, "metrics", "--snapshot-every", "5");
        using var recorded = new RecordedMeasurements(host.App.Services.GetRequiredService<IMeterFactory>());
        using var logs = new CapturedLogs();
        host.App.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().AddProvider(logs);
        await host.StartAsync();
        await host.WaitHealthyAsync();

        ulong lastIndex = 0;
        for (var i = 0; i < Writes; i++)
        {
            var reply = await host.Api.SetAsync($"m{i}", $"v{i}");
            Assert.True(reply.Ok, reply.ToString());
            lastIndex = reply.Data!.Value.GetProperty("index").GetUInt64();
        }

        var proposals = recorded.Of("raft.proposals");
        Assert.Equal(Writes, proposals.Count(m => m.Tags.TryGetValue("outcome", out var o) && (string?)o == "ok"));
        var latencies = recorded.Of("raft.commit.latency");
        Assert.Equal(Writes, latencies.Count);
        Assert.All(latencies, m => Assert.True(m.Value > 0, $"commit latency {m.Value} ms"));

        // The index gauges are fed by the promoter's status poll: observe until they reach the last write.
        await Poll.UntilAsync(() =>
        {
            recorded.Collect();
            return Task.FromResult(recorded.Of("raft.applied.index").Any(m => m.Value >= lastIndex)
                && recorded.Of("raft.commit.index").Any(m => m.Value >= lastIndex));
        }, TimeSpan.FromSeconds(10), $"the applied and commit index gauges to reach {lastIndex}");

        // A standalone node elects itself at start: one election, one leader change.
        Assert.True(recorded.Of("raft.elections").Sum(m => m.Value) >= 1, "no election was counted for the node that became leader");
        Assert.True(recorded.Of("raft.leader.changes").Sum(m => m.Value) >= 1, "no leader change was counted");

        // With a snapshot every 5 entries, a dozen writes (plus the registry's entries) make at least two fall due. A
        // capture that falls due while the one before it is still being saved replaces any capture waiting behind that
        // save (the newer one covers it), so on a slow machine those two can be stored as one: the test writes on, a
        // write at a time, until two are reported. If they are not, the node's snapshot log lines say where they stopped.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var extra = 0;
        while (recorded.Of("raft.snapshot.size").Count < 2)
        {
            if (DateTime.UtcNow > deadline)
            {
                var trail = logs.Lines.Where(l => l.Contains("napshot", StringComparison.Ordinal) || l.Contains("ompaction", StringComparison.Ordinal));
                throw new TimeoutException($"timed out after 60 s and {extra} more writes waiting for two snapshots; "
                    + $"{recorded.Of("raft.snapshot.size").Count} reported; the node's log:\n{string.Join('\n', trail)}");
            }
            var more = await host.Api.SetAsync($"more{extra++}", "v");
            Assert.True(more.Ok, more.ToString());
            await Task.Delay(50);
        }
        Assert.All(recorded.Of("raft.snapshot.size"), m => Assert.True(m.Value > 0, $"snapshot of {m.Value} bytes"));
    }

    /// <summary>Every measurement of the host's meter from one application's meter factory.</summary>
    private sealed class RecordedMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> _measurements = new();

        public RecordedMeasurements(IMeterFactory scope)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == HostMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, scope)) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public void Collect() => _listener.RecordObservableInstruments();

        public List<(double Value, Dictionary<string, object?> Tags)> Of(string name) =>
            [.. _measurements.Where(m => m.Name == name).Select(m => (m.Value, m.Tags))];

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags) copy[tag.Key] = tag.Value;
            _measurements.Enqueue((instrument.Name, value, copy));
        }

        public void Dispose() => _listener.Dispose();
    }
}
