using Akka.Configuration;
using RaftActors.Actors.Configuration;

namespace RaftActors.Actors.Tests.Configuration;

/// <summary>The smallest configuration a node starts with, and the repository's hocon/ folder.</summary>
internal static class ConfigFixtures
{
    public const string Secret = "configuration-tests-secret";

    /// <summary>Only what raftactors.conf cannot default: who this node is, where it listens, its folder, cluster and secret.</summary>
    public const string Required = $$"""
        akka.raft {
          node-id = 1
          data-dir = "data/node1"
          cluster-id = "tests"
          secret = "{{Secret}}"
        }
        akka.remote.dot-netty.tcp {
          hostname = "127.0.0.1"
          port = 7001
        }
        """;

    /// <summary>Settings from <paramref name="overlay"/> on top of <see cref="Required"/> (and raftactors.conf's defaults).</summary>
    public static RaftSettings Settings(string overlay = "") =>
        RaftSettings.Create(ConfigurationFactory.ParseString(overlay).WithFallback(ConfigurationFactory.ParseString(Required)));

    /// <summary>The error messages <paramref name="overlay"/> causes.</summary>
    public static IReadOnlyList<RaftSettingError> Errors(string overlay) =>
        Assert.Throws<RaftConfigurationException>(() => Settings(overlay)).Errors;

    public static string HoconDirectory { get; } = FindHoconDirectory();

    private static string FindHoconDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RaftActors.sln"))) return Path.Combine(dir.FullName, "hocon");
        }
        throw new DirectoryNotFoundException($"no RaftActors.sln above {AppContext.BaseDirectory}");
    }
}
