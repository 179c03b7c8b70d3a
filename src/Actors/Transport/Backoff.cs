using System.Security.Cryptography;

namespace RaftActors.Actors.Transport;

/// <summary>Reconnect delays: exponential from the minimum, capped at the maximum, with jitter.</summary>
internal static class Backoff
{
    /// <summary>
    /// The delay after <paramref name="failures"/> consecutive failures (0 for the first retry). The nominal
    /// delay doubles per failure; the actual one is drawn from its upper half so that nodes which lost the
    /// same peer at the same moment do not all retry in lockstep. Always within [min, max].
    /// </summary>
    public static TimeSpan Delay(int failures, TimeSpan min, TimeSpan max, double random)
    {
        var nominal = Math.Min(max.Ticks, min.Ticks * Math.Pow(2, Math.Clamp(failures, 0, 40)));
        var jittered = nominal / 2 + Math.Clamp(random, 0, 1) * nominal / 2;
        return TimeSpan.FromTicks((long)Math.Clamp(jittered, min.Ticks, max.Ticks));
    }

    public static TimeSpan Delay(int failures, TimeSpan min, TimeSpan max) =>
        Delay(failures, min, max, RandomNumberGenerator.GetInt32(1_000_001) / 1_000_000d);
}
