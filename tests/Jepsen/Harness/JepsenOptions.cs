using System.Globalization;

namespace RaftActors.Jepsen.Harness;

/// <summary>What a run does; the environment (JEPSEN_SEED, JEPSEN_SECONDS, JEPSEN_NODES, JEPSEN_WORKERS) overrides the short CI run.</summary>
public sealed record JepsenOptions(int Seed, int Nodes, TimeSpan FaultPhase, TimeSpan FaultFreePhase, int Workers, int Keys)
{
    public static JepsenOptions FromEnvironment() => new(
        Int("JEPSEN_SEED") ?? Random.Shared.Next(1, 1_000_000),
        Int("JEPSEN_NODES") ?? 3,
        TimeSpan.FromSeconds(Int("JEPSEN_SECONDS") ?? 75),
        TimeSpan.FromSeconds(10),
        Int("JEPSEN_WORKERS") ?? 6,
        3);

    private static int? Int(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new ArgumentException($"{name}={text} is not a positive integer")
            : null;
}
