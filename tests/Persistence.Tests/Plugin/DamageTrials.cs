using System.Buffers.Binary;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>
/// The damaged copies a walk tries on a store file of the plugin (an SQLite database in WAL mode): a bit flipped,
/// the file truncated, and the write-ahead log of a crash copy torn inside its last transaction. Every byte with
/// <c>all</c>, else the edges and a seeded sample.
/// </summary>
internal static class DamageTrials
{
    /// <summary>One bit flipped at each position: every byte with <paramref name="all"/>, else a seeded sample.</summary>
    private static IEnumerable<DamageTrial> Flips(byte[] pristine, IReadOnlyDictionary<string, IReadOnlyList<string>> expected, Random random, bool all)
    {
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
    private static IEnumerable<DamageTrial> Truncations(byte[] pristine, IReadOnlyDictionary<string, IReadOnlyList<string>> expected, Random random, bool all)
    {
        var edges = new[] { 0, 1, 16, 99, 100, 4095, 4096, 4097, pristine.Length - 4096, pristine.Length - 1 };
        var lengths = all ? Enumerable.Range(0, pristine.Length) : edges.Concat(Enumerable.Range(0, 50).Select(_ => random.Next(pristine.Length)));
        foreach (var length in lengths.Where(l => l >= 0).Distinct().ToArray())
        {
            yield return new DamageTrial("truncate", length, path => File.WriteAllBytes(path, pristine[..length]), expected, MayBeRefused: true);
        }
    }

    /// <summary>
    /// The crash copy's write-ahead log cut inside its last transaction (the last record's write), at every offset
    /// with <paramref name="all"/>, else at its frame edges and a seeded sample: recovery yields
    /// <paramref name="withoutLast"/>; cut at its very end, <paramref name="whole"/>. A torn last record is what every
    /// crash leaves, so it must recover, never be refused.
    /// </summary>
    private static IEnumerable<DamageTrial> Torn((byte[] Database, byte[] Log) crash, int lastCommits,
        IReadOnlyDictionary<string, IReadOnlyList<string>> whole, IReadOnlyDictionary<string, IReadOnlyList<string>> withoutLast, Random random, bool all)
    {
        var (lastStart, end, frameBytes) = LastTransaction(crash.Log, lastCommits);
        var edges = new List<int> { lastStart, lastStart + 1, end - 1, end };
        for (var frame = lastStart; frame < end; frame += frameBytes) edges.AddRange([frame + 23, frame + 24, frame + 25]);
        var cuts = all ? Enumerable.Range(lastStart, end - lastStart + 1) : edges.Concat(Enumerable.Range(0, 40).Select(_ => random.Next(lastStart, end)));
        foreach (var cut in cuts.Where(c => c >= lastStart && c <= end).Distinct().ToArray())
        {
            yield return new DamageTrial("torn", cut, path =>
            {
                File.WriteAllBytes(path, crash.Database);
                File.WriteAllBytes(path + "-wal", crash.Log[..cut]);
            }, cut == end ? whole : withoutLast, MayBeRefused: false);
        }
    }

    /// <summary>Where the last transaction's frames start and end in a write-ahead log, and the size of a frame.</summary>
    private static (int Start, int End, int FrameBytes) LastTransaction(byte[] log, int lastCommits)
    {
        const int header = 32;
        var frameBytes = 24 + (int)BinaryPrimitives.ReadUInt32BigEndian(log.AsSpan(8));
        var commitEnds = new List<int>();
        for (var at = header; at + frameBytes <= log.Length; at += frameBytes)
        {
            // A commit frame records the database size after the commit; other frames record 0.
            if (BinaryPrimitives.ReadUInt32BigEndian(log.AsSpan(at + 4)) != 0) commitEnds.Add(at + frameBytes);
        }
        Assert.True(commitEnds.Count >= lastCommits, $"the write-ahead log should hold the last {lastCommits} commits, it holds {commitEnds.Count}");
        return (commitEnds[^2], commitEnds[^1], frameBytes);
    }

    /// <summary>
    /// Walks the store file at <paramref name="path"/> (closed and checkpointed: the pristine copy) and the crash copy
    /// taken before it closed: flips, truncations and torn last transactions, each through the real plugin. Prints the
    /// figure line ("damage walk: ...", which CI collects) and fails the test on any mishandled copy, with the seed.
    /// </summary>
    public static void Walk(Akka.TestKit.TestKitBase kit, Xunit.Abstractions.ITestOutputHelper output, DamagedStore store, string path,
        (byte[] Database, byte[] Log) crash, int lastCommits,
        IReadOnlyDictionary<string, IReadOnlyList<string>> whole, IReadOnlyDictionary<string, IReadOnlyList<string>> withoutLast)
    {
        var (seed, all) = Settings();
        var pristine = File.ReadAllBytes(path);
        Assert.False(File.Exists(path + "-wal") && new FileInfo(path + "-wal").Length > 0,
            "the pristine file should hold everything itself (checkpointed when the store closed)");

        var random = new Random(seed);
        var trials = new List<DamageTrial>();
        trials.AddRange(Flips(pristine, whole, random, all));
        trials.AddRange(Truncations(pristine, whole, random, all));
        trials.AddRange(Torn(crash, lastCommits, whole, withoutLast, random, all));

        var folder = Path.Combine(Path.GetDirectoryName(path)!, "walk");
        Directory.CreateDirectory(folder);
        string figures;
        List<string> failures;
        using (var walk = new StoreDamageWalk(kit, folder, trials, store)) (figures, failures) = Run(walk, trials);

        var what = store == DamagedStore.Journal ? "journal file" : "snapshot store file";
        output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"damage walk: seed={seed}, positions tried={trials.Count} in a {pristine.Length}-byte {what} and its write-ahead log, {figures}, failures={failures.Count}"));
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} damaged copies were mishandled:\n" + string.Join('\n', failures.Take(20)));
    }

    /// <summary>Runs every trial of a walk; returns the figures (by kind and outcome) and the failures.</summary>
    private static (string Figures, List<string> Failures) Run(StoreDamageWalk walk, IReadOnlyList<DamageTrial> trials)
    {
        var outcomes = new List<(DamageTrial Trial, DamageOutcome Outcome)>();
        var failures = new List<string>();
        for (var i = 0; i < trials.Count; i++)
        {
            var (outcome, why) = walk.Run(i);
            outcomes.Add((trials[i], outcome));
            if (outcome == DamageOutcome.Failure) failures.Add($"{trials[i].Kind} at {trials[i].Position}: {why}");
        }
        var figures = string.Join("; ", outcomes.GroupBy(o => o.Trial.Kind).Select(g =>
            $"{g.Key} {g.Count()} (refused at open {g.Count(o => o.Outcome == DamageOutcome.RefusedAtOpen)}, " +
            $"when read {g.Count(o => o.Outcome == DamageOutcome.RefusedWhenRead)}, recovered exactly {g.Count(o => o.Outcome == DamageOutcome.Recovered)})"));
        return (figures, failures);
    }

    /// <summary>The walk's seed: RAFTACTORS_DAMAGE_SEED repeats a run; RAFTACTORS_DAMAGE_WALK=all walks every byte.</summary>
    private static (int Seed, bool All) Settings() =>
        (Environment.GetEnvironmentVariable("RAFTACTORS_DAMAGE_SEED") is { Length: > 0 } s
            ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)
            : Random.Shared.Next(),
         Environment.GetEnvironmentVariable("RAFTACTORS_DAMAGE_WALK") == "all");

    /// <summary>A copy of a file another connection has open.</summary>
    public static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }
}
