using System.Collections.Concurrent;
using System.Text;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Journal;

/// <summary>
/// End to end on Akka.Persistence.Sql: a real one-node RaftNode whose own ActorSystem journals to Akka.Persistence.Sql on
/// SQLite, selected the way docs/persistence.md tells a user to (the plugins' HOCON in
/// <see cref="RaftNodeOptions.ActorSystemConfig"/>, and <see cref="RaftNodeOptions.JournalPluginId"/> /
/// <see cref="RaftNodeOptions.SnapshotPluginId"/>). It proposes, compacts through the SQL snapshot store, stops,
/// starts again on the same folder and finds every acknowledged write.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class RaftJournalContractNodeTests : IDisposable
{
    private const string JournalPlugin = "akka.persistence.journal.sql";
    private const string SnapshotPlugin = "akka.persistence.snapshot-store.sql";
    private const string ClusterId = "sql";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "raftactors-sql-node-" + Guid.NewGuid().ToString("N"));
    private readonly int _port = NodeCluster.FreePort();

    private string DataDirectory => Path.Combine(_folder, "node-1");

    private string DatabasePath => Path.Combine(_folder, "akka-sql.db");

    [Fact]
    public async Task A_node_on_Akka_Persistence_Sql_restarts_on_the_same_folder_and_finds_everything_it_acknowledged()
    {
        Directory.CreateDirectory(_folder);
        SqlPersistenceStore.CreateInWalMode(DatabasePath);
        var acknowledged = new Dictionary<string, string>(StringComparer.Ordinal);
        var snapshots = new ConcurrentQueue<SnapshotStored>();

        var first = new KeyValueTestService();
        await using (var node = await RaftNode.StartAsync(Options(), [first]))
        {
            node.EventRaised += (_, e) => { if (e is SnapshotStored stored) snapshots.Enqueue(stored); };
            await NodeCluster.WaitUntilAsync(() => node.IsLeader, "the one-voter node leads");
            for (var i = 0; i < 120; i++)
            {
                await node.ProposeAsync("kv", NodeCluster.Set($"k{i}", $"v{i}"));
                acknowledged[$"k{i}"] = $"v{i}";
            }
            // A snapshot every 50 entries: the RaftActor's snapshot went to the SQL snapshot store and its events were deleted.
            await NodeCluster.WaitUntilAsync(() => !snapshots.IsEmpty, "the node stored a snapshot");
        }

        Assert.False(File.Exists(Path.Combine(DataDirectory, "journal.db")), "the node's default SQLite journal should not have been used");
        Assert.True(CountRows("journal") > 0, "the SQL journal holds the node's events");
        Assert.True(CountRows("snapshot") > 0, "the SQL snapshot store holds the node's snapshot");

        var second = new KeyValueTestService();
        await using (var node = await RaftNode.StartAsync(Options(), [second]))
        {
            await node.WhenRecovered.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(second.Holds(acknowledged), $"{second.Missing(acknowledged)} of {acknowledged.Count} acknowledged writes are missing after the restart");
            Assert.True(second.Restores >= 1, "the restart should have restored the services' snapshot");
            await NodeCluster.WaitUntilAsync(() => node.IsLeader, "the restarted node leads again");
            var previous = await node.ProposeAsync("kv", NodeCluster.Set("k0", "changed"));
            Assert.Equal("v0", Encoding.UTF8.GetString(previous));
        }
    }

    private RaftNodeOptions Options() => new()
    {
        NodeId = 1,
        ListenAddress = $"127.0.0.1:{_port}",
        DataDirectory = DataDirectory,
        ClusterId = ClusterId,
        Secret = NodeCluster.Secret,
        TickInterval = TimeSpan.FromMilliseconds(20),
        SnapshotEvery = 50,
        KeepEntriesAfterSnapshot = 10,
        JournalPluginId = JournalPlugin,
        SnapshotPluginId = SnapshotPlugin,
        ActorSystemConfig = ConfigurationFactory.ParseString(SqlPersistenceStore.Hocon(DatabasePath))
            .WithFallback(SqlPersistence.DefaultConfiguration),
    };

    /// <summary>Rows of the node's persistence id in one of Akka.Persistence.Sql's tables (default table names).</summary>
    private long CountRows(string table)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM \"{table}\" WHERE persistence_id = $pid";
        cmd.Parameters.AddWithValue("$pid", $"raft-{ClusterId}-1");
        return (long)cmd.ExecuteScalar()!;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
