using System.Diagnostics;
using RaftActors.Jepsen.Checker;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// One run: start the cluster, a fault-free phase (every operation must succeed), a phase of faults from
/// the seeded schedule, heal everything, read every key on every node, then judge the history.
/// </summary>
internal sealed class JepsenRun(JepsenOptions options, Action<string> log)
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    public async Task<JepsenReport> RunAsync(CancellationToken cancel)
    {
        var noPartitions = LoopbackFirewall.Unavailable();
        log($"jepsen run: seed {options.Seed}, {options.Nodes} nodes, {options.Workers} workers, {options.Keys} keys, faults for {options.FaultPhase.TotalSeconds:F0} s"
            + (noPartitions is null ? ", partitions on" : $", partitions skipped: {noPartitions}"));
        using var cluster = new JepsenCluster(options.Nodes, partitions: noPartitions is null);
        var recorder = new HistoryRecorder();
        var problems = new List<string>();
        try
        {
            cluster.StartAll();
            await cluster.WaitAllHealthyAsync(Startup, cancel).ConfigureAwait(false);
            await cluster.WaitLeaderAsync(Startup, cancel).ConfigureAwait(false);

            using var stop = new CancellationTokenSource();
            var running = new Workload(cluster, recorder, options.Workers, options.Keys, options.Seed).RunAsync(stop.Token);
            var faultFreeStart = recorder.Now;
            await Task.Delay(options.FaultFreePhase, cancel).ConfigureAwait(false);
            var faultFreeEnd = recorder.Now;

            var nemesis = new Nemesis(cluster, recorder, new Random(options.Seed), log);
            try
            {
                await nemesis.RunAsync(options.FaultPhase, cancel).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                problems.Add($"availability: {ex.Message}");
            }

            await HealAsync(cluster, cancel).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(false);
            var finals = await FinalReadsAsync(cluster, recorder, cancel).ConfigureAwait(false);

            var history = recorder.Operations;
            var watch = Stopwatch.StartNew();
            var check = LinearizabilityChecker.Check(history, new CheckBudget(50_000_000, TimeSpan.FromMinutes(3)));
            var report = new JepsenReport(options, noPartitions, history, nemesis.Faults,
                FaultFreeFailures: history.Count(o => o.Invoked >= faultFreeStart && o.Invoked < faultFreeEnd && o.Outcome != Outcome.Ok),
                LostWrites: LostWrites.Find(history, finals), check, watch.Elapsed,
                [.. problems, .. nemesis.Problems.Select(p => $"nemesis: {p}"), .. recorder.Anomalies.Select(a => $"client: {a}")]);
            if (!report.Passed) log(cluster.Dump());
            return report;
        }
        catch
        {
            log(cluster.Dump());
            throw;
        }
    }

    /// <summary>Ends every fault: links back, paused members continued, killed members restarted; waits for all to serve.</summary>
    private static async Task HealAsync(JepsenCluster cluster, CancellationToken cancel)
    {
        cluster.Firewall?.HealAll();
        foreach (var node in cluster.Members)
        {
            if (node.Process.Paused) node.Process.Resume();
            if (!node.Process.Running) node.Process.Start();
        }
        await cluster.WaitAllHealthyAsync(Settle, cancel).ConfigureAwait(false);
        await cluster.WaitLeaderAsync(Settle, cancel).ConfigureAwait(false);
    }

    /// <summary>A linearizable read of every key on every current member, retried until it answers; each read is part of the history.</summary>
    private async Task<List<Operation>> FinalReadsAsync(JepsenCluster cluster, HistoryRecorder recorder, CancellationToken cancel)
    {
        var finals = new List<Operation>();
        var keys = Enumerable.Range(0, options.Keys).Select(Workload.Key).Append(Nemesis.ProbeKey).Append(Nemesis.JournalKey);
        foreach (var key in keys)
        {
            foreach (var node in cluster.Members)
            {
                Operation? read = null;
                await Poll.UntilAsync(async () =>
                {
                    read = await recorder.ReadAsync(-2, node.Id, node.Control, key).ConfigureAwait(false);
                    return read.Outcome == Outcome.Ok;
                }, Settle, $"a final read of {key} on {node.Name}", cancel).ConfigureAwait(false);
                finals.Add(read!);
            }
        }
        return finals;
    }
}
