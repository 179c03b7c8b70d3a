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

    public static Config Build(RaftNodeOptions options)
    {
        var listen = Runtime.PeerAddress.ParseListen(options.ListenAddress);
        var data = Path.GetFullPath(options.DataDirectory);
        var hocon = string.Create(CultureInfo.InvariantCulture, $$"""
            akka {
              loglevel = ERROR
              stdout-loglevel = ERROR
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
              persistence {
                journal.plugin = "{{Journal.JournalPlugin}}"
                snapshot-store.plugin = "{{Journal.SnapshotPlugin}}"
              }
              coordinated-shutdown.run-by-clr-shutdown-hook = off
            }
            """);
        var own = ConfigurationFactory.ParseString(hocon);
        if (options.ActorSystemConfig is { } extra) own = extra.WithFallback(own);
        return own
            .WithFallback(Journal.Configuration(data))
            .WithFallback(RaftSerialization.Configuration);
    }

    /// <summary>The default journal of a node's own system: the project's SQLite plugin, files in the data folder.</summary>
    private static class Journal
    {
        public const string JournalPlugin = "akka.persistence.journal.raft-sqlite";
        public const string SnapshotPlugin = "akka.persistence.snapshot-store.raft-sqlite";

        public static Config Configuration(string data) => ConfigurationFactory.ParseString($"""
            akka.persistence.journal.raft-sqlite.path = "{Escape(Path.Combine(data, "journal.db"))}"
            akka.persistence.snapshot-store.raft-sqlite.path = "{Escape(Path.Combine(data, "snapshots.db"))}"
            """).WithFallback(Persistence.Plugin.RaftSqlitePersistence.DefaultConfiguration());

        private static string Escape(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
    }
}
