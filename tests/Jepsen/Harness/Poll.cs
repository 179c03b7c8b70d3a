namespace RaftActors.Jepsen.Harness;

/// <summary>Waits for a condition with a deadline, never a fixed sleep for correctness.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> probe, TimeSpan timeout, string what, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            cancel.ThrowIfCancellationRequested();
            if (await probe().ConfigureAwait(false)) return;
            await Task.Delay(100, cancel).ConfigureAwait(false);
        }
        throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0} s waiting for {what}");
    }
}
