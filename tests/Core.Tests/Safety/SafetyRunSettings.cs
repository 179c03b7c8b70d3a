using System.Globalization;

namespace RaftActors.Core.Tests.Safety;

/// <summary>
/// How many seeds and steps the randomized safety test runs. CI uses the defaults; environment
/// variables make a longer run or replay one seed (see docs/testing.md).
/// </summary>
internal sealed record SafetyRunSettings(int FirstSeed, int Seeds, int Steps, bool SingleSeed)
{
    /// <summary>Seeds CI runs: at least 200, sized to stay well under a minute in Release on 2 cores.</summary>
    public const int DefaultSeeds = 250;

    public const int DefaultSteps = 800;

    public const string TestFilter = "FullyQualifiedName~RaftActors.Core.Tests.Safety.RandomizedSafetyTests";

    public static SafetyRunSettings FromEnvironment()
    {
        var steps = Read("RAFT_SAFETY_STEPS") ?? DefaultSteps;
        if (Read("RAFT_SAFETY_SEED") is { } seed) return new SafetyRunSettings(seed, 1, steps, SingleSeed: true);
        return new SafetyRunSettings(Read("RAFT_SAFETY_FIRST_SEED") ?? 1, Read("RAFT_SAFETY_SEEDS") ?? DefaultSeeds, steps, SingleSeed: false);
    }

    /// <summary>The command that replays <paramref name="seed"/> alone, with this run's step count.</summary>
    public string ReproduceCommand(int seed) =>
        $"RAFT_SAFETY_SEED={seed}" + (Steps != DefaultSteps ? $" RAFT_SAFETY_STEPS={Steps}" : "")
        + $" dotnet test tests/Core.Tests -c Release --filter \"{TestFilter}\" --logger \"console;verbosity=detailed\"";

    private static int? Read(string name)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a positive integer, not '{text}'");
    }
}
