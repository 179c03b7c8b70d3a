using Akka.Actor;
using System.Globalization;
using Akka.Configuration;
using RaftActors.Actors.Remote;

namespace RaftActors.Actors;

/// <summary>
/// The HOCON of the ActorSystem that <see cref="RaftNode.StartAsync"/> creates for a node of its own: remoting
/// on the listen address, the RaftActors serializer, and the journal and snapshot store in the data folder.
/// An embedding user's own system brings its own configuration instead (see <see cref="RaftExtension"/>).
/// </summary>
internal static class NodeSystemConfig
{
    /// <summary>Akka.Remote's frame limit for a node's own system; a peer frame is kept below it.</summary>
    public static long FrameSize(RaftNodeOptions options) => Math.Max(16L * 1024 * 1024, (long)options.MaxSizePerMessage * 2 + 64 * 1024);

    public static Config Build(RaftNodeOptions options, bool toLoggerFactory = false)
    {
        var listen = Runtime.PeerAddress.ParseListen(options.ListenAddress);
        var hocon = string.Create(CultureInfo.InvariantCulture, $$"""
            akka {
              loglevel = {{(toLoggerFactory ? "WARNING" : "ERROR")}}
              stdout-loglevel = ERROR
              loggers = [{{(toLoggerFactory ? "\"Akka.Hosting.Logging.LoggerFactoryLogger, Akka.Hosting\"" : "\"Akka.Event.DefaultLogger\"")}}]
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor.provider = remote
              remote {
                # A Raft peer that was down is retried after a second, not Akka's default five.
                retry-gate-closed-for = 1s
                log-remote-lifecycle-events = off
                dot-netty.tcp {
                  hostname = "{{listen.Address}}"
                  port = {{listen.Port}}
                  maximum-frame-size = {{FrameSize(options)}}b
                  tcp-nodelay = on
                }
              }
              coordinated-shutdown.run-by-clr-shutdown-hook = off
            }
            """);
        var own = ConfigurationFactory.ParseString(hocon);
        if (options.ActorSystemConfig is { } extra) own = extra.WithFallback(own);
        // The node's own system carries nothing but RaftActors' messages: JSON is refused both ways, so a peer
        // cannot make it deserialize a type of its choosing through Akka's JSON serializer.
        return own
            .WithFallback(RaftSerialization.RefuseJson)
            .WithFallback(RaftSerialization.Configuration);
    }
}
