using System.Globalization;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// Concurrent workers, each doing writes of unique values and linearizable reads on a few keys, every
/// request to a random current member. A worker never cancels its request in flight: it ends with the client timeout,
/// so stopping the workload does not make outcomes unknown.
/// </summary>
internal sealed class Workload(JepsenCluster cluster, HistoryRecorder recorder, int workers, int keys, int seed)
{
    public static string Key(int i) => $"k{i.ToString(CultureInfo.InvariantCulture)}";

    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkerAsync(w, stop), CancellationToken.None)));

    private async Task WorkerAsync(int worker, CancellationToken stop)
    {
        var random = new Random(HashCode.Combine(seed, worker));
        var sequence = 0;
        while (!stop.IsCancellationRequested)
        {
            // The membership as it is now: a node removed meanwhile answers (or not) like any node that fails.
            var members = cluster.Members;
            var node = members[random.Next(members.Count)];
            var key = Key(random.Next(keys));
            if (random.Next(2) == 0)
            {
                var value = string.Create(CultureInfo.InvariantCulture, $"w{worker}-{sequence++}");
                await recorder.WriteAsync(worker, node.Id, node.Client, key, value).ConfigureAwait(false);
            }
            else
            {
                await recorder.ReadAsync(worker, node.Id, node.Client, key).ConfigureAwait(false);
            }
            // A short think time: the machine is shared, and the history stays a size the checker eats in seconds.
            try
            {
                await Task.Delay(random.Next(5, 25), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
