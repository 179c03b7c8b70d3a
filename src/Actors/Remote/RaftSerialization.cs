using Akka.Configuration;

namespace RaftActors.Actors.Remote;

/// <summary>
/// The HOCON that binds RaftActors' messages to <see cref="RaftSerializer"/> (the embedded resource
/// <c>serialization.conf</c>). Give it to the ActorSystem as a fallback:
/// <c>ActorSystem.Create("raft", userConfig.WithFallback(RaftSerialization.Configuration))</c>.
/// </summary>
public static class RaftSerialization
{
    internal const string ResourceName = "RaftActors.Actors.Remote.serialization.conf";

    private static readonly Lazy<Config> Loaded = new(() => ConfigurationFactory.FromResource<RaftSerializer>(ResourceName));

    public static Config Configuration => Loaded.Value;
}
