using System.Globalization;
using System.Text;
using RaftActors.Messages;
using RaftActors.Persistence;

namespace RaftActors.Persistence.CrashWriter;

/// <summary>
/// Saves batches to the journal at args[0] in a loop and prints "durable N" after each Save returns, N being
/// the journal's last index, until it is killed. The writes mix appends, suffix truncation with a new term,
/// snapshots and compaction, so a kill can land in any kind of write. Entry data depends only on the index,
/// so the test can check every entry's bytes after recovery.
/// <para>With "akka &lt;hocon file&gt; [count]" it runs <see cref="AkkaEventWriter"/> instead.</para>
/// </summary>
public static class Program
{
    private const int EntriesPerBatch = 10;

    public static int Main(string[] args)
    {
        if (args is ["akka", var hocon, ..] && args.Length <= 3)
            return AkkaEventWriter.Run(hocon, args.Length == 3 ? long.Parse(args[2], CultureInfo.InvariantCulture) : 0);
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: CrashWriter <journal path> | CrashWriter akka <hocon file> [event count]");
            return 2;
        }
        using var journal = SqliteJournal.Open(args[0]);
        var term = Math.Max(journal.State.HardState.Term, 1);
        var output = Console.Out;
        for (var save = 1; save <= 1_000_000; save++)
        {
            var last = journal.LastIndex;
            var snapshotIndex = journal.State.Snapshot.Index;
            var batch = JournalBatch.Empty;
            // Every 7th batch rewrites the last 3 entries under a new term, as a new leader would.
            var from = save % 7 == 0 && last >= snapshotIndex + 3 && last >= 3 ? last - 2 : last + 1;
            if (from <= last) term++;
            var entries = Enumerable.Range(0, EntriesPerBatch).Select(i => EntryAt(from + (ulong)i, term)).ToArray();
            batch = batch.WithEntries(entries).WithHardState(new HardState(term, 1, from - 1));
            journal.Save(batch);
            if (save % 20 == 0 && journal.LastIndex > 30)
            {
                var at = journal.LastIndex - 10;
                journal.Save(JournalBatch.Empty.WithSnapshot(new Snapshot(new SnapshotMetadata(at, journal.Term(at), new ConfState([1, 2, 3])), Payload(at))));
                journal.Compact(at - 15);
            }
            output.WriteLine("durable " + journal.LastIndex.ToString(CultureInfo.InvariantCulture));
            output.Flush();
        }
        return 0;
    }

    public static Entry EntryAt(ulong index, ulong term) => new(term, index, EntryType.Normal, Data(index));

    public static byte[] Data(ulong index) => Encoding.UTF8.GetBytes($"crash-entry-{index}".PadRight(120, '.'));

    public static byte[] Payload(ulong index) => Encoding.UTF8.GetBytes($"state up to {index}");
}
