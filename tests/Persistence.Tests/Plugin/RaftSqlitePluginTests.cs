using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using Microsoft.Data.Sqlite;
using RaftActors.Persistence.Plugin;
using Xunit.Abstractions;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>
/// What only our SQLite plugin promises beyond the contract: damaged data fails recovery naming the record, a file
/// that is not a sound store fails plugin start naming the file, and writes of many actors share transactions.
/// </summary>
public sealed class RaftSqlitePluginTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly RaftSqlitePlugin _plugin;

    public RaftSqlitePluginTests(ITestOutputHelper output) : this(new RaftSqlitePlugin(), output) { }

    private RaftSqlitePluginTests(RaftSqlitePlugin plugin, ITestOutputHelper output) : base(plugin.Config, "raft-sqlite", output)
    {
        _plugin = plugin;
    }

    [Fact]
    public void A_flipped_byte_in_a_stored_event_fails_recovery_naming_file_persistence_id_and_sequence_number()
    {
        const string pid = "damaged-events";
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        probe.ExpectMsg<Recovered>();
        actor.Tell(new PersistMany(["first", "second", "third"]));
        for (var i = 0; i < 3; i++) probe.ExpectMsg<Persisted>();
        Stop(actor, probe);

        FlipFirstPayloadByte(_plugin.JournalPath, "journal_events", pid, 2);

        Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        var failure = probe.ExpectMsg<RecoveryFailed>().Reason;
        var corrupted = Assert.IsType<SqliteStoreCorruptedException>(failure);
        Assert.Contains(_plugin.JournalPath, corrupted.Message, StringComparison.Ordinal);
        Assert.Contains($"event '{pid}' #2", corrupted.Message, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", corrupted.Message, StringComparison.Ordinal);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_flipped_byte_in_a_stored_snapshot_fails_recovery_naming_it()
    {
        const string pid = "damaged-snapshot";
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        probe.ExpectMsg<Recovered>();
        actor.Tell(new PersistMany(["a", "b"]));
        for (var i = 0; i < 2; i++) probe.ExpectMsg<Persisted>();
        actor.Tell(new TakeSnapshot());
        probe.ExpectMsg<Akka.Persistence.SaveSnapshotSuccess>();
        Stop(actor, probe);

        FlipFirstPayloadByte(_plugin.SnapshotPath, "snapshots", pid, 2);

        Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        var failure = probe.ExpectMsg<RecoveryFailed>().Reason;
        Assert.Contains(_plugin.SnapshotPath, failure.Message, StringComparison.Ordinal);
        Assert.Contains($"snapshot '{pid}' #2", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UPDATE journal_highest SET sequence_nr = sequence_nr - 1", "checksum mismatch")]
    // A flipped bit in the row's key: nothing but the row's own checksum covers its key, so the row seems gone.
    [InlineData("UPDATE journal_highest SET persistence_id = 'damaged-highesu'", "missing")]
    [InlineData("DELETE FROM journal_highest", "missing")]
    public void A_damaged_or_lost_highest_sequence_number_fails_recovery_naming_it_rather_than_recovering_empty(string damage, string problem)
    {
        const string pid = "damaged-highest";
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        probe.ExpectMsg<Recovered>();
        actor.Tell(new PersistMany(["first", "second", "third"]));
        for (var i = 0; i < 3; i++) probe.ExpectMsg<Persisted>();
        Stop(actor, probe);

        using (var connection = new SqliteConnection($"Data Source={_plugin.JournalPath};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = damage;
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        Sys.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
        var failure = probe.ExpectMsg<RecoveryFailed>().Reason;
        var corrupted = Assert.IsType<SqliteStoreCorruptedException>(failure);
        Assert.Contains(_plugin.JournalPath, corrupted.Message, StringComparison.Ordinal);
        Assert.Equal($"highest sequence number of '{pid}'", corrupted.Record);
        Assert.Contains(problem, corrupted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_garbage_journal_file_fails_plugin_start_naming_the_file_and_is_left_as_it_was()
    {
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(_plugin.JournalPath, garbage);
        var errors = SubscribeToErrors();

        Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);

        var cause = ExpectStartFailure(errors);
        Assert.IsType<SqliteStoreCorruptedException>(cause);
        Assert.Contains(_plugin.JournalPath, cause.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(_plugin.JournalPath));
    }

    [Fact]
    public void An_unusable_path_fails_plugin_start_naming_the_file()
    {
        // A folder cannot be created under a regular file.
        var blocker = Path.Combine(_plugin.Folder.Path, "not-a-folder");
        File.WriteAllText(blocker, "");
        var path = Path.Combine(blocker, "journal.db");
        var system = ActorSystem.Create("bad-path", Akka.Configuration.ConfigurationFactory
            .ParseString($"{RaftSqlitePersistence.JournalPluginId}.path = \"{path}\"").WithFallback(Sys.Settings.Config));
        try
        {
            var errors = SubscribeToErrors(system);
            Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
            var cause = ExpectStartFailure(errors);
            Assert.IsAssignableFrom<SqliteStoreException>(cause);
            Assert.Contains(path, cause.Message, StringComparison.Ordinal);
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public void Writes_of_many_actors_share_transactions()
    {
        const int actors = 20;
        const int eventsEach = 10;
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        var probes = Enumerable.Range(0, actors).Select(_ => CreateTestProbe()).ToList();
        var refs = probes.Select((p, i) => Sys.ActorOf(TestPersistentActor.Props($"grouped-{i}", p.Ref))).ToList();
        // Twenty actors recovering while CI starts every test assembly at once on two cores once took over TestKit's
        // default 10 s (alone: well under a second); this test is about grouping writes, not about recovery speed.
        foreach (var p in probes) p.ExpectMsg<Recovered>(TimeSpan.FromSeconds(60));
        var before = Counts(journal);

        // Persist (not PersistAsync): each actor has one write in flight at a time, so only writes of different
        // actors can share a transaction.
        for (var e = 0; e < eventsEach; e++)
            foreach (var actor in refs) actor.Tell(new PersistOne($"e{e}"));
        foreach (var p in probes)
            for (var e = 1; e <= eventsEach; e++) Assert.Equal(e, p.ExpectMsg<Persisted>(TimeSpan.FromSeconds(60)).SequenceNr);

        var after = Counts(journal);
        var commits = after.Commits - before.Commits;
        var writes = after.Jobs - before.Jobs;
        Assert.Equal(actors * eventsEach, writes);
        Assert.True(commits < writes, $"{writes} writes took {commits} transactions: nothing was grouped");
        Sys.Log.Info("{0} writes of {1} actors in {2} transactions", writes, actors, commits);
    }

    private static StoreCounts Counts(IActorRef journal) => journal.Ask<StoreCounts>(GetStoreCounts.Instance, TimeSpan.FromSeconds(10)).Result;

    private TestProbe SubscribeToErrors(ActorSystem? system = null)
    {
        var probe = CreateTestProbe(system ?? Sys);
        (system ?? Sys).EventStream.Subscribe(probe.Ref, typeof(Error));
        return probe;
    }

    /// <summary>The plugin actor's failure to start, as its supervisor logs it: the innermost of our exceptions.</summary>
    private static Exception ExpectStartFailure(TestProbe errors)
    {
        var error = errors.FishForMessage<Error>(e => Unwrap(e.Cause) is SqliteStoreException);
        return Unwrap(error.Cause)!;
    }

    private static Exception? Unwrap(Exception? ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is SqliteStoreException) return e;
        return null;
    }

    /// <summary>Damages one stored payload behind the plugin's back, as a bad disk would, leaving its checksum as it was.</summary>
    private static void FlipFirstPayloadByte(string path, string table, string pid, long sequenceNr)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = $"SELECT payload FROM {table} WHERE persistence_id = $pid AND sequence_nr = $seq";
        read.Parameters.AddWithValue("$pid", pid);
        read.Parameters.AddWithValue("$seq", sequenceNr);
        var payload = (byte[])read.ExecuteScalar()!;
        payload[0] ^= 0x01;
        using var write = connection.CreateCommand();
        write.CommandText = $"UPDATE {table} SET payload = $payload WHERE persistence_id = $pid AND sequence_nr = $seq";
        write.Parameters.AddWithValue("$payload", payload);
        write.Parameters.AddWithValue("$pid", pid);
        write.Parameters.AddWithValue("$seq", sequenceNr);
        Assert.Equal(1, write.ExecuteNonQuery());
    }

    private static void Stop(IActorRef actor, TestProbe probe)
    {
        probe.Watch(actor);
        actor.Tell(PoisonPill.Instance);
        probe.ExpectTerminated(actor);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _plugin.Dispose();
    }
}
