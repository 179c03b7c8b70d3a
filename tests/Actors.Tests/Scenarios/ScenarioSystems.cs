using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Hands a test the ActorSystem that <see cref="RaftNode.StartAsync"/> created for a node, so the test can
/// throttle that system's links. An Akka extension loaded through <c>akka.extensions</c>: every system started
/// with <see cref="Config(string)"/> registers itself under its key while it starts. (RaftNode does not expose
/// its system on this branch; once it does, this can go.)
/// </summary>
internal sealed class ScenarioSystems : ExtensionIdProvider<ScenarioSystems.Registration>
{
    private const string KeyPath = "raft-scenario.system-key";
    private static readonly ConcurrentDictionary<string, ExtendedActorSystem> s_systems = new(StringComparer.Ordinal);

    /// <summary>The HOCON that makes a system register under <paramref name="key"/>.</summary>
    public static Config Config(string key) => ConfigurationFactory.ParseString($"""
        akka.extensions = ["{typeof(ScenarioSystems).FullName}, {typeof(ScenarioSystems).Assembly.GetName().Name}"]
        {KeyPath} = "{key}"
        """);

    /// <summary>The system that registered under <paramref name="key"/>, if one did; removes it from the table.</summary>
    public static ExtendedActorSystem? Take(string key) => s_systems.TryRemove(key, out var system) ? system : null;

    public override Registration CreateExtension(ExtendedActorSystem system)
    {
        s_systems[system.Settings.Config.GetString(KeyPath)] = system;
        return new Registration();
    }

    internal sealed class Registration : IExtension;
}
