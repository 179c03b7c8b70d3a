using Akka.Actor;
using Akka.Persistence;
using Xunit.Abstractions;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>
/// A real journal file of our plugin is damaged at many positions, one copy per position: a flipped bit or a
/// truncation anywhere in the database file, and a torn last record (the write-ahead log cut anywhere inside the last
/// transaction, as a crash during its write leaves it). Every damaged copy must be refused with an error naming the
/// file and the record (when the plugin starts, or when recovery reads it), or recover exactly what was written: it
/// never yields wrong data. A torn last record must recover, to everything before that record. Positions are sampled
/// from a seed (printed; set RAFTACTORS_DAMAGE_SEED to repeat a run); RAFTACTORS_DAMAGE_WALK=all walks every byte.
/// </summary>
public sealed class JournalFileDamageWalkTests : Akka.TestKit.Xunit2.TestKit
{
    private const string PidA = "walk-a";
    private const string PidB = "walk-b";
    private const int DeletedPrefixOfA = 20;
    private const int LastRecords = 3;

    private readonly ITestOutputHelper _output;
    private readonly RaftSqlitePlugin _plugin;

    public JournalFileDamageWalkTests(ITestOutputHelper output) : this(new RaftSqlitePlugin(), output) { }

    private JournalFileDamageWalkTests(RaftSqlitePlugin plugin, ITestOutputHelper output) : base(plugin.Config, "damage", output)
    {
        _plugin = plugin;
        _output = output;
    }

    [Fact]
    public void Every_damaged_copy_of_a_journal_file_is_refused_naming_file_and_record_or_recovers_exactly_what_was_written()
    {
        var (written, crashCopy) = WriteJournal();
        DamageTrials.Walk(this, _output, DamagedStore.Journal, _plugin.JournalPath, crashCopy, LastRecords, Expect(written), Expect(written, dropLastOfA: 1));
    }

    /// <summary>
    /// Writes the journal the walk damages: two persistence ids interleaved over several pages, a deleted prefix of one
    /// (free space in the file), then <see cref="LastRecords"/> events of one transaction each. Copies the database
    /// and its write-ahead log while the journal is open after the last one (what a crash then leaves), stops the
    /// journal (which checkpoints the log into the file), and returns what each id holds and the crash copy.
    /// </summary>
    private (Dictionary<string, List<string>> Written, (byte[] Database, byte[] Log) CrashCopy) WriteJournal()
    {
        var written = new Dictionary<string, List<string>> { [PidA] = [], [PidB] = [] };
        var writer = ActorSystem.Create("writer", _plugin.Config.WithFallback(Sys.Settings.Config));
        (byte[], byte[]) crashCopy;
        try
        {
            var probe = CreateTestProbe(writer);
            var a = writer.ActorOf(TestPersistentActor.Props(PidA, probe.Ref));
            probe.ExpectMsg<Recovered>();
            var b = writer.ActorOf(TestPersistentActor.Props(PidB, probe.Ref));
            probe.ExpectMsg<Recovered>();
            for (var batch = 0; batch < 10; batch++)
            {
                Persist(a, probe, written[PidA], Enumerable.Range(batch * 20 + 1, 20).Select(i => Value(PidA, i)));
                Persist(b, probe, written[PidB], Enumerable.Range(batch * 5 + 1, 5).Select(i => Value(PidB, i)));
            }
            a.Tell(new DeleteEvents(DeletedPrefixOfA));
            probe.ExpectMsg<DeleteMessagesSuccess>();
            written[PidA].RemoveRange(0, DeletedPrefixOfA);
            for (var i = 1; i <= LastRecords; i++) Persist(a, probe, written[PidA], [Value(PidA, 200 + i)]);
            crashCopy = (DamageTrials.ReadShared(_plugin.JournalPath), DamageTrials.ReadShared(_plugin.JournalPath + "-wal"));
        }
        finally
        {
            writer.Terminate().Wait(TimeSpan.FromSeconds(20));
        }
        return (written, crashCopy);
    }

    private static string Value(string pid, int i) => $"{pid}-{i:D4}-".PadRight(150, (char)('a' + i % 26));

    private static void Persist(IActorRef actor, Akka.TestKit.TestProbe probe, List<string> written, IEnumerable<string> values)
    {
        var list = values.ToList();
        actor.Tell(new PersistMany(list));
        foreach (var _ in list) probe.ExpectMsg<Persisted>();
        written.AddRange(list);
    }

    private static IReadOnlyDictionary<string, IReadOnlyList<string>> Expect(Dictionary<string, List<string>> written, int dropLastOfA = 0) =>
        new Dictionary<string, IReadOnlyList<string>>
        {
            [PidA] = written[PidA].Take(written[PidA].Count - dropLastOfA).ToArray(),
            [PidB] = written[PidB].ToArray(),
        };

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _plugin.Dispose();
    }
}
