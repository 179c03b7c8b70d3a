using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;
using RaftActors.Actors.Remote;
using RaftActors.Persistence.Plugin;
using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Journal;

/// <summary>The Raft journal contract on RaftActors' own SQLite journal and snapshot store (a node's default).</summary>
public sealed class RaftJournalContractTestsOnRaftSqlite(ITestOutputHelper output) : RaftJournalContractTests(new RaftSqliteStore(), output);

/// <summary>The Raft journal contract on Akka.Persistence.Sql 1.5.73 over SQLite (Microsoft.Data.Sqlite, WAL, one writer).</summary>
public sealed class RaftJournalContractTestsOnSqlPersistence(ITestOutputHelper output) : RaftJournalContractTests(new SqlPersistenceStore(), output);

/// <summary>A journal and snapshot store on files in a fresh temporary folder, with the RaftActor's serializer bound.</summary>
public abstract class RaftJournalStore : IDisposable
{
    protected RaftJournalStore()
    {
        Folder = Path.Combine(Path.GetTempPath(), "raftactors-raft-journal-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>The HOCON that selects and configures the plugins (what a user writes), without their defaults.</summary>
    public abstract string PluginHocon { get; }

    /// <summary>An actor system's whole configuration: the plugins, their defaults, and RaftActors' serialization.</summary>
    public Config Config => ConfigurationFactory.ParseString(PluginHocon)
        .WithFallback(ConfigurationFactory.ParseString("""
            akka.test.single-expect-default = 15s
            akka.loglevel = INFO
            """))
        .WithFallback(Defaults)
        .WithFallback(RaftSerialization.Configuration);

    protected abstract Config Defaults { get; }

    /// <summary>HOCON string quoting for a file path.</summary>
    protected static string Quote(string path) => "\"" + path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>RaftActors' own plugins, one file each, as a node's own system has them.</summary>
public sealed class RaftSqliteStore : RaftJournalStore
{
    public override string PluginHocon => $"""
        akka.persistence.journal.plugin = "{RaftSqlitePersistence.JournalPluginId}"
        akka.persistence.snapshot-store.plugin = "{RaftSqlitePersistence.SnapshotStorePluginId}"
        {RaftSqlitePersistence.JournalPluginId}.path = {Quote(Path.Combine(Folder, "journal.db"))}
        {RaftSqlitePersistence.SnapshotStorePluginId}.path = {Quote(Path.Combine(Folder, "snapshots.db"))}
        """;

    protected override Config Defaults => RaftSqlitePersistence.DefaultConfiguration();
}

/// <summary>
/// Akka.Persistence.Sql on SQLite as docs/persistence.md tells a user to set it up: it sends no PRAGMAs, so the file is
/// created in WAL mode first (journal_mode is kept in the file; synchronous stays at SQLite's default, FULL), and
/// <c>parallelism = 1</c> so that writes of one actor cannot overtake each other.
/// </summary>
public sealed class SqlPersistenceStore : RaftJournalStore
{
    public SqlPersistenceStore()
    {
        CreateInWalMode(DatabasePath);
    }

    public string DatabasePath => Path.Combine(Folder, "akka-sql.db");

    public override string PluginHocon => Hocon(DatabasePath);

    protected override Config Defaults => SqlPersistence.DefaultConfiguration;

    /// <summary>The journal and snapshot store of Akka.Persistence.Sql on one SQLite file, selected as the system's defaults.</summary>
    public static string Hocon(string databasePath) => $$"""
        akka.persistence.journal.plugin = "akka.persistence.journal.sql"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
        akka.persistence.journal.sql {
          connection-string = {{Quote("Data Source=" + databasePath)}}
          provider-name = "SQLite.MS"
          parallelism = 1
          auto-initialize = true
        }
        akka.persistence.snapshot-store.sql {
          connection-string = {{Quote("Data Source=" + databasePath)}}
          provider-name = "SQLite.MS"
          auto-initialize = true
        }
        """;

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
