using System.Runtime.ExceptionServices;

namespace RaftActors.TestKit;

/// <summary>
/// Expectations. Each has an async form (preferred in async tests: it holds no thread while waiting)
/// and a blocking form with Akka's name.
/// </summary>
public sealed partial class TestProbe
{
    /// <summary>
    /// The next message must be a <typeparamref name="T"/> (matching <paramref name="predicate"/>) and
    /// arrive within <paramref name="timeout"/>; otherwise fails with what was expected and what came.
    /// </summary>
    public async Task<T> ExpectMsgAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null)
    {
        var wait = Remaining(timeout);
        var envelope = await TryTakeAsync(wait).ConfigureAwait(false)
            ?? throw new TestKitAssertionException(
                $"{Path}: timeout ({wait.TotalMilliseconds} ms) while waiting for a message of type {typeof(T).Name}.");
        if (envelope.Message is not T typed)
        {
            throw new TestKitAssertionException(
                $"{Path}: expected a message of type {typeof(T).Name} but received {Describe(envelope.Message)}.");
        }

        if (predicate is not null && !predicate(typed))
        {
            throw new TestKitAssertionException(
                $"{Path}: received {Describe(typed)}, which does not match the predicate.");
        }

        return typed;
    }

    public T ExpectMsg<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null) =>
        ExpectMsgAsync(predicate, timeout).GetAwaiter().GetResult();

    /// <summary>Fails if any message arrives within <paramref name="duration"/>; returns as soon as one does.</summary>
    public async Task ExpectNoMsgAsync(TimeSpan duration)
    {
        if (await TryTakeAsync(Remaining(duration)).ConfigureAwait(false) is { } envelope)
        {
            throw new TestKitAssertionException(
                $"{Path}: expected no message for {duration.TotalMilliseconds} ms but received {Describe(envelope.Message)}.");
        }
    }

    public void ExpectNoMsg(TimeSpan duration) => ExpectNoMsgAsync(duration).GetAwaiter().GetResult();

    /// <summary>
    /// Skips messages until a <typeparamref name="T"/> matching <paramref name="predicate"/> arrives,
    /// and returns it; fails at the deadline, listing what was skipped.
    /// </summary>
    public async Task<T> FishForMessageAsync<T>(Func<T, bool> predicate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var wait = Remaining(timeout);
        var start = _time.GetTimestamp();
        var skipped = new List<string>();
        while (true)
        {
            var left = wait - _time.GetElapsedTime(start);
            if (await TryTakeAsync(left).ConfigureAwait(false) is not { } envelope)
            {
                var seen = skipped.Count == 0 ? "nothing" : string.Join("; ", skipped);
                throw new TestKitAssertionException(
                    $"{Path}: no matching {typeof(T).Name} within {wait.TotalMilliseconds} ms; skipped: {seen}.");
            }

            if (envelope.Message is T typed && predicate(typed))
            {
                return typed;
            }

            skipped.Add(Describe(envelope.Message));
        }
    }

    public T FishForMessage<T>(Func<T, bool> predicate, TimeSpan? timeout = null) =>
        FishForMessageAsync(predicate, timeout).GetAwaiter().GetResult();

    /// <summary>
    /// Runs <paramref name="action"/>, which must take at least <paramref name="min"/> and at most
    /// <paramref name="max"/>. Inside, expectations without a timeout wait only for what is left of
    /// <paramref name="max"/>.
    /// </summary>
    public async Task WithinAsync(TimeSpan min, TimeSpan max, Func<Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        var start = _time.GetTimestamp();
        var deadline = start + (long)(max.TotalSeconds * _time.TimestampFrequency);
        var outer = _withinDeadline.Value;
        _withinDeadline.Value = outer is { } o && o < deadline ? o : deadline;
        try
        {
            await action().ConfigureAwait(false);
        }
        finally
        {
            _withinDeadline.Value = outer;
        }

        var took = _time.GetElapsedTime(start);
        if (took < min || took > max)
        {
            throw new TestKitAssertionException(
                $"{Path}: the block took {took.TotalMilliseconds:F0} ms, outside [{min.TotalMilliseconds}, {max.TotalMilliseconds}] ms.");
        }
    }

    public Task WithinAsync(TimeSpan max, Func<Task> action) => WithinAsync(TimeSpan.Zero, max, action);

    public void Within(TimeSpan min, TimeSpan max, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        WithinAsync(min, max, () =>
        {
            action();
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
    }

    public void Within(TimeSpan max, Action action) => Within(TimeSpan.Zero, max, action);

    /// <summary>
    /// Runs <paramref name="assertion"/> until it passes, every <paramref name="interval"/> (default
    /// 20 ms) up to <paramref name="duration"/>; then rethrows its last failure unchanged.
    /// </summary>
    public async Task AwaitAssertAsync(Func<Task> assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var wait = Remaining(duration);
        var pause = interval ?? TimeSpan.FromMilliseconds(20);
        var start = _time.GetTimestamp();
        while (true)
        {
            try
            {
                await assertion().ConfigureAwait(false);
                return;
            }
#pragma warning disable CA1031 // Any failure of the assertion means "not yet"; the last one is rethrown as is.
            catch (Exception failure)
#pragma warning restore CA1031
            {
                var left = wait - _time.GetElapsedTime(start);
                if (left <= TimeSpan.Zero)
                {
                    ExceptionDispatchInfo.Throw(failure);
                }

                await Task.Delay(left < pause ? left : pause, _time).ConfigureAwait(false);
            }
        }
    }

    public Task AwaitAssertAsync(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        return AwaitAssertAsync(
            () =>
            {
                assertion();
                return Task.CompletedTask;
            },
            duration,
            interval);
    }

    public void AwaitAssert(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null) =>
        AwaitAssertAsync(assertion, duration, interval).GetAwaiter().GetResult();
}
