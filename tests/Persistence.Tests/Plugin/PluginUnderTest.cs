using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;
using RaftActors.Persistence.Plugin;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>A journal and snapshot-store plugin set up on files in a fresh temporary folder.</summary>
public abstract class PluginUnderTest : IDisposable
{
    /// <summary>Binds the test records to their serializers; every system of the suite has it.</summary>
    public static readonly Config Serialization = ConfigurationFactory.ParseString("""
        akka.actor.serializers {
          test-events = "RaftActors.Persistence.Tests.Plugin.TestEventSerializer, RaftActors.Persistence.Tests"
          throwing = "RaftActors.Persistence.Tests.Plugin.ThrowingSerializer, RaftActors.Persistence.Tests"
        }
        akka.actor.serialization-bindings {
          "RaftActors.Persistence.Tests.Plugin.Evt, RaftActors.Persistence.Tests" = test-events
          "RaftActors.Persistence.Tests.Plugin.Snap, RaftActors.Persistence.Tests" = test-events
          "RaftActors.Persistence.Tests.Plugin.Unserializable, RaftActors.Persistence.Tests" = throwing
        }
        akka.test.single-expect-default = 10s
        akka.loglevel = INFO
        """);

    public TempFolder Folder { get; } = new();

    /// <summary>
    /// The plugin's own settings (selection and files), without defaults: the crash writer reads this text and adds
    /// the plugins' default configurations itself, as the tests do in <see cref="Config"/>.
    /// </summary>
    public abstract string PluginHocon { get; }

    /// <summary>The configuration of an actor system on this plugin and these files.</summary>
    public Config Config => ConfigurationFactory.ParseString(PluginHocon).WithFallback(Serialization).WithFallback(Defaults);

    protected abstract Config Defaults { get; }

    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
        Folder.Dispose();
    }
}

/// <summary>RaftActors' own SQLite plugins, one file each.</summary>
public sealed class RaftSqlitePlugin : PluginUnderTest
{
    public string JournalPath => Path.Combine(Folder.Path, "raft-journal.db");
    public string SnapshotPath => Path.Combine(Folder.Path, "raft-snapshots.db");

    public override string PluginHocon => $"""
        akka.persistence.journal.plugin = "{RaftSqlitePersistence.JournalPluginId}"
        akka.persistence.snapshot-store.plugin = "{RaftSqlitePersistence.SnapshotStorePluginId}"
        {RaftSqlitePersistence.JournalPluginId}.path = "{JournalPath}"
        {RaftSqlitePersistence.SnapshotStorePluginId}.path = "{SnapshotPath}"
        """;

    protected override Config Defaults => RaftSqlitePersistence.DefaultConfiguration();
}

/// <summary>
/// Akka.Persistence.Sql on SQLite, made as safe as it can be: it sends no PRAGMAs, so the file is created in WAL mode
/// first (journal_mode is stored in the file; synchronous stays at SQLite's default, FULL), and it writes with one
/// writer (parallelism = 1) so writes of one actor cannot overtake each other.
/// </summary>
public sealed class SqlPersistencePlugin : PluginUnderTest
{
    public SqlPersistencePlugin()
    {
        CreateInWalMode(DatabasePath);
    }

    public string DatabasePath => Path.Combine(Folder.Path, "akka-sql.db");

    public override string PluginHocon => $$"""
        akka.persistence.journal.plugin = "akka.persistence.journal.sql"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
        akka.persistence.journal.sql {
          connection-string = "Data Source={{DatabasePath}}"
          provider-name = "SQLite.MS"
          parallelism = 1
          auto-initialize = true
        }
        akka.persistence.snapshot-store.sql {
          connection-string = "Data Source={{DatabasePath}}"
          provider-name = "SQLite.MS"
          auto-initialize = true
        }
        """;

    protected override Config Defaults => SqlPersistence.DefaultConfiguration;

    public static void CreateInWalMode(string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL";
        Assert.Equal("wal", cmd.ExecuteScalar() as string);
    }

    public override void Dispose()
    {
        // Akka.Persistence.Sql's connections are pooled by Microsoft.Data.Sqlite: release them before the folder goes.
        SqliteConnection.ClearAllPools();
        base.Dispose();
    }
}
