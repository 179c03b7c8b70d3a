using System.Diagnostics;
using System.Globalization;

namespace RaftActors.Node.Bench;

/// <summary>
/// The outcome of one timed run: operations per second, latency percentiles, and the bytes the whole process
/// allocated per operation while it was timed (every node of the scenario runs in this process).
/// </summary>
internal sealed record Measurement(string Scenario, int Concurrency, long Operations, long Failures, TimeSpan Elapsed, double P50Ms, double P99Ms,
    long AllocatedBytes)
{
    /// <summary>When set (<c>--alloc-types</c>), each run samples which types it allocates while timed.</summary>
    public static AllocationSampler? Sampler { get; set; }

    /// <summary>The sampled bytes per operation by type, when <see cref="Sampler"/> was set.</summary>
    public string? AllocationTypes { get; init; }

    public double PerSecond => Operations / Elapsed.TotalSeconds;

    public double AllocatedPerOperation => Operations == 0 ? double.NaN : (double)AllocatedBytes / Operations;

    /// <summary>
    /// Runs <paramref name="operation"/> from <paramref name="concurrency"/> workers, each one call at a time: first for
    /// <paramref name="warmUp"/> (not counted), then for <paramref name="duration"/>, recording each call's latency.
    /// A call that throws counts as a failure and its latency is not recorded.
    /// </summary>
    public static async Task<Measurement> RunAsync(string scenario, int concurrency, TimeSpan warmUp, TimeSpan duration,
        Func<long, Task> operation, Func<Exception, bool> isExpectedFailure)
    {
        long sequence = 0;
        long failures = 0;
        var latencies = new List<long>[concurrency];
        var warmUpEnd = Stopwatch.GetTimestamp() + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        var end = warmUpEnd + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        async Task Worker(int w)
        {
            var mine = latencies[w] = new List<long>(1 << 16);
            while (true)
            {
                var start = Stopwatch.GetTimestamp();
                if (start >= end) return;
                var counted = start >= warmUpEnd;
                try
                {
                    await operation(Interlocked.Increment(ref sequence)).ConfigureAwait(false);
                }
                catch (Exception ex) when (isExpectedFailure(ex))
                {
                    if (counted) Interlocked.Increment(ref failures);
                    continue;
                }
                if (counted) mine.Add(Stopwatch.GetTimestamp() - start);
            }
        }
        // Allocations from the end of the warm-up to the end of the run (the workers' latency lists are allocated up front).
        async Task<long> AllocatedWhileTimed()
        {
            await Task.Delay(warmUp).ConfigureAwait(false);
            var before = GC.GetTotalAllocatedBytes(precise: true);
            Sampler?.Start();
            await Task.Delay(duration).ConfigureAwait(false);
            Sampler?.Stop();
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        var allocated = AllocatedWhileTimed();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(() => Worker(w)))).ConfigureAwait(false);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Measurement(scenario, concurrency, all.Length, failures, duration, Percentile(all, 0.50), Percentile(all, 0.99),
            await allocated.ConfigureAwait(false)) { AllocationTypes = Sampler?.Report(all.Length) };
    }

    private static double Percentile(long[] sorted, double p)
    {
        if (sorted.Length == 0) return double.NaN;
        var index = Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1);
        return sorted[Math.Max(0, index)] * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>A markdown table row; the ratios compare with <paramref name="baseline"/> (ops/s ratio, p50 ratio).</summary>
    public string Row(Measurement? baseline) => string.Create(CultureInfo.InvariantCulture,
        $"| {Scenario,-40} | {Concurrency,3} | {PerSecond,9:N0} | {P50Ms,8:F3} | {P99Ms,8:F3} | {AllocatedPerOperation,9:N0} | {Ratio(baseline),-44} | {Failures,5} |");

    private string Ratio(Measurement? baseline) => baseline is null
        ? "(baseline)"
        : string.Create(CultureInfo.InvariantCulture,
            $"{PerSecond / baseline.PerSecond:F2}x ops/s, {P50Ms / baseline.P50Ms:F2}x p50 of {baseline.Label}");

    public string Label => string.Create(CultureInfo.InvariantCulture, $"{Scenario} n={Concurrency}");

    public const string Header =
        "B/op: bytes the whole process allocated per operation while timed (every node of the scenario, and the client).\n\n" +
        "| scenario                                 |   n |     ops/s |  p50 ms  |  p99 ms  |      B/op | ratio                                        | fails |\n" +
        "|------------------------------------------|-----|-----------|----------|----------|-----------|----------------------------------------------|-------|";
}
