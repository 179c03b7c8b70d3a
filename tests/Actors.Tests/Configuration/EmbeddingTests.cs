using Akka.Configuration;
using RaftActors.Actors.Configuration;

namespace RaftActors.Actors.Tests.Configuration;

/// <summary>The embedding example of docs/configuration.md: a node file in a real ActorSystem, read back from its Settings.Config.</summary>
public sealed class EmbeddingTests
{
    [Fact]
    public async Task Settings_are_read_from_an_ActorSystem_started_with_a_node_file()
    {
        // The local provider: the sample's port 7001 stays free (the next test binds a remoting system to port 0).
        var config = ConfigurationFactory.ParseString($"akka.raft.secret = \"{ConfigFixtures.Secret}\"")
            .WithFallback(HoconFile.Load(Path.Combine(ConfigFixtures.HoconDirectory, "node1.conf")));
        var system = Akka.Actor.ActorSystem.Create("raft", config);
        try
        {
            var settings = RaftSettings.Create(system.Settings.Config);
            Assert.Equal((1ul, "127.0.0.1:7001", "local"), (settings.NodeId, settings.ListenAddress, settings.ClusterId));
            Assert.Equal(2, settings.Peers.Count);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task Akka_Remotes_default_frame_size_is_refused_for_RaftActors_default_limits()
    {
        var config = ConfigurationFactory.ParseString("akka.actor.provider = remote\nakka.remote.dot-netty.tcp.port = 0")
            .WithFallback(ConfigurationFactory.ParseString(ConfigFixtures.Required));
        var system = Akka.Actor.ActorSystem.Create("raft", config);
        try
        {
            var ex = Assert.Throws<RaftConfigurationException>(() => RaftSettings.Create(system.Settings.Config));
            Assert.Contains(ex.Errors, e => e.Path == "akka.raft.max-proposal-bytes" && e.Message.Contains("maximum-frame-size = 128000b", StringComparison.Ordinal));
        }
        finally
        {
            await system.Terminate();
        }
    }
}
