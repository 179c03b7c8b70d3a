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

    /// <summary>
    /// Opt-in hardening for a system that talks to no one but RaftActors peers (the console host): replaces Akka's
    /// JSON serializer with one that refuses, so a remote peer cannot make this system deserialize JSON into a type
    /// of its choosing. Not part of <see cref="Configuration"/>: an embedding application may rely on JSON.
    /// Combine as <c>userConfig.WithFallback(RaftSerialization.RefuseJson).WithFallback(RaftSerialization.Configuration)</c>.
    /// </summary>
    public static Config RefuseJson { get; } = ConfigurationFactory.ParseString(
        "akka.actor.serializers.json = \"RaftActors.Actors.Remote.JsonRefusingSerializer, RaftActors.Actors\"");
}
