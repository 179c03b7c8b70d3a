using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Abstractions;

namespace RaftActors.Core.Tests.Safety;

/// <summary>
/// The randomized safety test (Raft paper Figure 3, §5.2–§5.4, and §6 of the thesis for reads): many seeds,
/// each a simulated cluster under random proposals, reads, crashes, partitions, lossy and duplicating
/// networks, leadership transfers, membership changes and snapshots, with every safety invariant checked
/// after every step, and convergence required once healed. Seeds run in parallel; each is deterministic.
/// See docs/testing.md for longer runs and replaying a seed.
/// </summary>
public sealed class RandomizedSafetyTests(ITestOutputHelper output)
{
    private sealed record Failure(int Seed, string Message);

    [Fact]
    public void Random_faults_never_break_safety_and_the_healed_cluster_converges()
    {
        var settings = SafetyRunSettings.FromEnvironment();
        var failures = new ConcurrentBag<Failure>();
        long faults = 0, steps = 0;
        var clock = Stopwatch.StartNew();
        var seeds = Enumerable.Range(settings.FirstSeed, settings.Seeds);
        Parallel.ForEach(seeds, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, seed =>
        {
            var run = new ChaosRun(seed) { Log = settings.SingleSeed ? output.WriteLine : null };
            try
            {
                run.Run(settings.Steps);
            }
            catch (Exception ex)
            {
                failures.Add(new Failure(seed, $"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}\ncluster options: {run.Options}\n"
                    + $"cluster:\n{run.Describe()}\nlast actions:\n{run.RecentActions()}"));
            }
            Interlocked.Add(ref steps, settings.Steps);
            Interlocked.Add(ref faults, run.FaultActions + run.MessagesDropped + run.MessagesDuplicated);
        });
        var summary = $"seeds={settings.Seeds}, steps={steps}, faults injected={faults}, violations={failures.Count}";
        Report(summary + $" ({clock.Elapsed.TotalSeconds:F1} s; seeds {settings.FirstSeed}..{settings.FirstSeed + settings.Seeds - 1}, {settings.Steps} steps each)");
        if (failures.IsEmpty) return;
        var ordered = failures.OrderBy(f => f.Seed).ToArray();
        foreach (var f in ordered.Take(3)) Report($"seed {f.Seed} failed: {f.Message}");
        Assert.Fail($"{failures.Count} seed(s) broke an invariant: {string.Join(", ", ordered.Select(f => f.Seed))}. "
            + $"First: seed {ordered[0].Seed}: {ordered[0].Message.Split('\n')[0]}\n"
            + $"Reproduce with: {settings.ReproduceCommand(ordered[0].Seed)}");
    }

    /// <summary>To the test output and to the console, so CI logs show the figures even when the test passes.</summary>
    private void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
