using System.Diagnostics;
using RaftActors.Jepsen.Checker;
using Xunit.Abstractions;

namespace RaftActors.Jepsen.Tests;

/// <summary>
/// The checker on generated histories: legal by construction (a simulated register with random
/// concurrency, unknown and failed outcomes), and the same histories after a corruption that makes them
/// illegal for certain.
/// </summary>
public sealed class GeneratedHistoryTests(ITestOutputHelper output)
{
    private const int Seeds = 150;

    [Fact]
    public void Every_generated_legal_history_is_linearizable()
    {
        for (var seed = 1; seed <= Seeds; seed++)
        {
            var history = new HistoryGenerator(seed) { Processes = 2 + seed % 6, Keys = 1 + seed % 3 }.Generate(300);
            var result = LinearizabilityChecker.Check(history);
            Assert.True(result.Verdict == Verdict.Linearizable, $"seed {seed}: {result.Verdict}\n{string.Join('\n', result.Failures.SelectMany(f => f.Window))}");
        }
    }

    [Fact]
    public void A_read_of_a_value_overwritten_before_the_read_started_makes_a_generated_history_illegal()
    {
        var corrupted = 0;
        for (var seed = 1; seed <= Seeds; seed++)
        {
            var history = new HistoryGenerator(seed) { Processes = 2 + seed % 6, Keys = 1 + seed % 3 }.Generate(300);
            if (Corruption.StaleRead(history, new Random(seed)) is not var (bad, read)) continue;
            corrupted++;
            var result = LinearizabilityChecker.Check(bad);
            Assert.True(result.Verdict == Verdict.NotLinearizable, $"seed {seed}: {result.Verdict} after corrupting {read}");
            var failure = Assert.Single(result.Failures);
            Assert.Equal(read.Key, failure.Key);
            Assert.Contains(read, failure.Window);
            Assert.True(failure.Window.Count < failure.Operations, $"seed {seed}: the window is the whole history");
        }
        Assert.True(corrupted > Seeds / 2, $"only {corrupted} of {Seeds} histories could be corrupted");
    }

    [Fact]
    public void A_read_from_the_future_or_of_a_failed_write_makes_a_generated_history_illegal()
    {
        var checkedCount = 0;
        for (var seed = 1; seed <= Seeds; seed++)
        {
            var history = new HistoryGenerator(seed) { Processes = 2 + seed % 6, Keys = 1 + seed % 3, FailedRate = 0.1 }.Generate(300);
            foreach (var bad in new[] { Corruption.FutureRead(history), Corruption.ReadOfFailedWrite(history) })
            {
                if (bad is null) continue;
                checkedCount++;
                Assert.True(LinearizabilityChecker.Check(bad).Verdict == Verdict.NotLinearizable, $"seed {seed}");
            }
        }
        Assert.True(checkedCount > Seeds, $"only {checkedCount} corruptions applied");
    }

    [Fact]
    public void A_long_history_with_many_concurrent_clients_and_unknown_writes_is_checked_within_seconds()
    {
        var history = new HistoryGenerator(42) { Processes = 12, Keys = 3, UnknownRate = 0.2 }.Generate(20_000);
        var watch = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(history, new CheckBudget(20_000_000, TimeSpan.FromSeconds(60)));
        output.WriteLine($"{history.Count} operations checked in {watch.Elapsed.TotalSeconds:F2} s, {result.Keys.Sum(k => k.Steps)} steps");
        Assert.Equal(Verdict.Linearizable, result.Verdict);
    }
}
