using Akka.Configuration;

namespace RaftActors.Persistence.Plugin;

/// <summary>The HOCON defaults of the SQLite journal and snapshot store, for users and the runtime to fall back on.</summary>
public static class RaftSqlitePersistence
{
    /// <summary>The journal's plugin id (its HOCON path).</summary>
    public const string JournalPluginId = "akka.persistence.journal.raft-sqlite";

    /// <summary>The snapshot store's plugin id (its HOCON path).</summary>
    public const string SnapshotStorePluginId = "akka.persistence.snapshot-store.raft-sqlite";

    private const string ResourceName = "RaftActors.Persistence.Plugin.raft-sqlite.conf";

    /// <summary>
    /// Both plugin sections with their defaults (<c>raft-sqlite.conf</c>, embedded). They do not select the plugins:
    /// set <c>akka.persistence.journal.plugin</c> or a persistent actor's plugin ids for that.
    /// </summary>
    public static Config DefaultConfiguration() => ConfigurationFactory.FromResource(ResourceName, typeof(RaftSqlitePersistence).Assembly);
}
