using Akka.Actor;
using Akka.Persistence;
using Xunit.Abstractions;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>
/// The snapshot store's file walked like the journal's (<see cref="JournalFileDamageWalkTests"/>): a real snapshot
/// store file of our plugin, holding snapshots of two persistence ids that span several pages (one deleted, so the
/// file has free space), damaged at many positions, one copy per position. Every damaged copy must be refused with
/// an error naming the file and the record, or offer exactly the latest snapshot of each id: never an older one, a
/// damaged one or none. A crash while the last snapshot was being saved (its write-ahead log torn) must offer the one
/// before it. Positions are sampled from a seed (printed; RAFTACTORS_DAMAGE_SEED repeats a run,
/// RAFTACTORS_DAMAGE_WALK=all walks every byte).
/// </summary>
public sealed class SnapshotStoreFileDamageWalkTests : Akka.TestKit.Xunit2.TestKit
{
    private const string PidA = "snap-a";
    private const string PidB = "snap-b";
    private const int LastSaves = 3;

    private readonly ITestOutputHelper _output;
    private readonly RaftSqlitePlugin _plugin;

    public SnapshotStoreFileDamageWalkTests(ITestOutputHelper output) : this(new RaftSqlitePlugin(), output) { }

    private SnapshotStoreFileDamageWalkTests(RaftSqlitePlugin plugin, ITestOutputHelper output) : base(plugin.Config, "snapshot-damage", output)
    {
        _plugin = plugin;
        _output = output;
    }

    [Fact]
    public void Every_damaged_copy_of_a_snapshot_store_file_is_refused_naming_file_and_record_or_offers_exactly_the_latest_snapshot()
    {
        var (latest, beforeLast, crashCopy) = WriteSnapshots();
        DamageTrials.Walk(this, _output, DamagedStore.SnapshotStore, _plugin.SnapshotPath, crashCopy, LastSaves, latest, beforeLast);
    }

    /// <summary>
    /// Saves the snapshots the walk damages, each after a few more events so that every snapshot has a sequence
    /// number of its own and a size of its own (from under one page to several): six of each id, interleaved, then
    /// the second of A deleted, then <see cref="LastSaves"/> more of A, one transaction each. Copies the database and
    /// its write-ahead log while the store is open after the last save (what a crash then leaves), stops the store
    /// (which checkpoints the log into the file), and returns each id's latest snapshot, what it was before the
    /// last save, and the crash copy.
    /// </summary>
    private (IReadOnlyDictionary<string, IReadOnlyList<string>> Latest, IReadOnlyDictionary<string, IReadOnlyList<string>> BeforeLast,
        (byte[] Database, byte[] Log) CrashCopy) WriteSnapshots()
    {
        var writer = ActorSystem.Create("writer", _plugin.Config.WithFallback(Sys.Settings.Config));
        var values = new Dictionary<string, List<string>> { [PidA] = [], [PidB] = [] };
        var saved = new Dictionary<string, List<long>> { [PidA] = [], [PidB] = [] };
        IReadOnlyList<string> beforeLastOfA = [];
        (byte[], byte[]) crashCopy;
        try
        {
            var probe = CreateTestProbe(writer);
            var actors = new Dictionary<string, IActorRef>();
            foreach (var pid in new[] { PidA, PidB })
            {
                actors[pid] = writer.ActorOf(TestPersistentActor.Props(pid, probe.Ref));
                probe.ExpectMsg<Recovered>();
            }
            void SaveAfter(string pid, int events)
            {
                var more = Enumerable.Range(values[pid].Count + 1, events).Select(i => Value(pid, i)).ToList();
                actors[pid].Tell(new PersistMany(more));
                foreach (var _ in more) probe.ExpectMsg<Persisted>();
                values[pid].AddRange(more);
                actors[pid].Tell(new TakeSnapshot());
                saved[pid].Add(probe.ExpectMsg<SaveSnapshotSuccess>().Metadata.SequenceNr);
            }
            for (var round = 1; round <= 6; round++)
            {
                SaveAfter(PidA, round * 7);
                SaveAfter(PidB, round * 3);
            }
            actors[PidA].Tell(new DeleteOneSnapshot(saved[PidA][1]));
            probe.ExpectMsg<DeleteSnapshotSuccess>();
            for (var i = 1; i <= LastSaves; i++)
            {
                beforeLastOfA = [.. values[PidA]];
                SaveAfter(PidA, 5);
            }
            crashCopy = (DamageTrials.ReadShared(_plugin.SnapshotPath), DamageTrials.ReadShared(_plugin.SnapshotPath + "-wal"));
        }
        finally
        {
            writer.Terminate().Wait(TimeSpan.FromSeconds(20));
        }
        var latest = new Dictionary<string, IReadOnlyList<string>> { [PidA] = [.. values[PidA]], [PidB] = [.. values[PidB]] };
        var beforeLast = new Dictionary<string, IReadOnlyList<string>> { [PidA] = beforeLastOfA, [PidB] = [.. values[PidB]] };
        return (latest, beforeLast, crashCopy);
    }

    private static string Value(string pid, int i) => $"{pid}-{i:D4}-".PadRight(120, (char)('a' + i % 26));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _plugin.Dispose();
    }
}
