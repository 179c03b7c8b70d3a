using System.Buffers.Binary;
using System.Globalization;
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
        var seed = Environment.GetEnvironmentVariable("RAFTACTORS_DAMAGE_SEED") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        var all = Environment.GetEnvironmentVariable("RAFTACTORS_DAMAGE_WALK") == "all";
        var (written, crashCopy) = WriteJournal();
        var pristine = File.ReadAllBytes(_plugin.JournalPath);
        Assert.False(File.Exists(_plugin.JournalPath + "-wal") && new FileInfo(_plugin.JournalPath + "-wal").Length > 0,
            "the pristine file should hold everything itself (checkpointed when the journal closed)");

        var random = new Random(seed);
        var trials = new List<DamageTrial>();
        trials.AddRange(FlipTrials(pristine, written, random, all));
        trials.AddRange(TruncateTrials(pristine, written, random, all));
        trials.AddRange(TornTrials(crashCopy, written, random, all));

        var folder = Path.Combine(_plugin.Folder.Path, "walk");
        Directory.CreateDirectory(folder);
        var outcomes = new List<(DamageTrial Trial, DamageOutcome Outcome)>();
        var failures = new List<string>();
        using (var walk = new JournalDamageWalk(this, folder, trials))
        {
            for (var i = 0; i < trials.Count; i++)
            {
                var (outcome, why) = walk.Run(i);
                outcomes.Add((trials[i], outcome));
                if (outcome == DamageOutcome.Failure) failures.Add($"{trials[i].Kind} at {trials[i].Position}: {why}");
            }
        }

        var figures = string.Join("; ", outcomes.GroupBy(o => o.Trial.Kind).Select(g =>
            $"{g.Key} {g.Count()} (refused at open {g.Count(o => o.Outcome == DamageOutcome.RefusedAtOpen)}, " +
            $"when read {g.Count(o => o.Outcome == DamageOutcome.RefusedWhenRead)}, recovered exactly {g.Count(o => o.Outcome == DamageOutcome.Recovered)})"));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"damage walk: seed={seed}, positions tried={trials.Count} in a {pristine.Length}-byte journal file and its write-ahead log, {figures}, failures={failures.Count}"));
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} damaged copies were mishandled:\n" + string.Join('\n', failures.Take(20)));
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
            crashCopy = (ReadShared(_plugin.JournalPath), ReadShared(_plugin.JournalPath + "-wal"));
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

    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }

    private static IReadOnlyDictionary<string, IReadOnlyList<string>> Expect(Dictionary<string, List<string>> written, int dropLastOfA = 0) =>
        new Dictionary<string, IReadOnlyList<string>>
        {
            [PidA] = written[PidA].Take(written[PidA].Count - dropLastOfA).ToArray(),
            [PidB] = written[PidB].ToArray(),
        };

    /// <summary>One bit flipped at each position: every byte with <paramref name="all"/>, else a seeded sample.</summary>
    private static IEnumerable<DamageTrial> FlipTrials(byte[] pristine, Dictionary<string, List<string>> written, Random random, bool all)
    {
        var expected = Expect(written);
        var positions = all ? Enumerable.Range(0, pristine.Length) : Enumerable.Range(0, 400).Select(_ => random.Next(pristine.Length));
        foreach (var position in positions.ToArray())
        {
            var bit = all ? position % 8 : random.Next(8);
            yield return new DamageTrial("flip", position, path =>
            {
                var bytes = (byte[])pristine.Clone();
                bytes[position] ^= (byte)(1 << bit);
                File.WriteAllBytes(path, bytes);
            }, expected, MayBeRefused: true);
        }
    }

    /// <summary>The file cut to each length: every length with <paramref name="all"/>, else the edges and a seeded sample.</summary>
    private static IEnumerable<DamageTrial> TruncateTrials(byte[] pristine, Dictionary<string, List<string>> written, Random random, bool all)
    {
        var expected = Expect(written);
        var edges = new[] { 0, 1, 16, 99, 100, 4095, 4096, 4097, pristine.Length - 4096, pristine.Length - 1 };
        var lengths = all ? Enumerable.Range(0, pristine.Length) : edges.Concat(Enumerable.Range(0, 50).Select(_ => random.Next(pristine.Length)));
        foreach (var length in lengths.Distinct().ToArray())
        {
            yield return new DamageTrial("truncate", length, path => File.WriteAllBytes(path, pristine[..length]), expected, MayBeRefused: true);
        }
    }

    /// <summary>
    /// The crash copy's write-ahead log cut inside its last transaction (the last record's write), at every offset
    /// with <paramref name="all"/>, else at its frame edges and a seeded sample: recovery yields everything but that
    /// record; cut at its very end, everything.
    /// </summary>
    private static IEnumerable<DamageTrial> TornTrials((byte[] Database, byte[] Log) crash, Dictionary<string, List<string>> written, Random random, bool all)
    {
        var (lastStart, end, frameBytes) = LastTransaction(crash.Log);
        var edges = new List<int> { lastStart, lastStart + 1, end - 1, end };
        for (var frame = lastStart; frame < end; frame += frameBytes) edges.AddRange([frame + 23, frame + 24, frame + 25]);
        var cuts = all ? Enumerable.Range(lastStart, end - lastStart + 1) : edges.Concat(Enumerable.Range(0, 40).Select(_ => random.Next(lastStart, end)));
        foreach (var cut in cuts.Where(c => c >= lastStart && c <= end).Distinct().ToArray())
        {
            yield return new DamageTrial("torn", cut, path =>
            {
                File.WriteAllBytes(path, crash.Database);
                File.WriteAllBytes(path + "-wal", crash.Log[..cut]);
            }, Expect(written, dropLastOfA: cut == end ? 0 : 1), MayBeRefused: false);
        }
    }

    /// <summary>Where the last transaction's frames start and end in a write-ahead log, and the size of a frame.</summary>
    private static (int Start, int End, int FrameBytes) LastTransaction(byte[] log)
    {
        const int header = 32;
        var frameBytes = 24 + (int)BinaryPrimitives.ReadUInt32BigEndian(log.AsSpan(8));
        var commitEnds = new List<int>();
        for (var at = header; at + frameBytes <= log.Length; at += frameBytes)
        {
            // A commit frame records the database size after the commit; other frames record 0.
            if (BinaryPrimitives.ReadUInt32BigEndian(log.AsSpan(at + 4)) != 0) commitEnds.Add(at + frameBytes);
        }
        Assert.True(commitEnds.Count >= LastRecords, $"the write-ahead log should hold the last {LastRecords} commits, it holds {commitEnds.Count}");
        return (commitEnds[^2], commitEnds[^1], frameBytes);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _plugin.Dispose();
    }
}
