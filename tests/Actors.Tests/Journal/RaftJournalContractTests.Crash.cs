using Akka.Actor;
using Akka.Event;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Journal;

public abstract partial class RaftJournalContractTests
{
    [Fact]
    public async Task Everything_acknowledged_is_recovered_by_a_new_system_after_the_old_one_was_terminated_mid_write()
    {
        var pid = NewPersistenceId();
        var records = CrashWorkload(400);
        var crashing = ActorSystem.Create("crashing", Store.Config.WithFallback(Sys.Settings.Config));
        long acknowledged;
        try
        {
            var probe = CreateTestProbe(crashing);
            var actor = StartRecovered(pid, probe, crashing);
            // Many writes in flight at once, as the RaftActor's PersistAsync keeps them; the system goes down under them.
            foreach (var chunk in records.Chunk(5)) actor.Tell(new WriteRecords(chunk));
            acknowledged = Enumerable.Range(0, 60).Select(_ => probe.ExpectMsg<RecordWritten>().SequenceNr).Max();
        }
        finally
        {
            // No stop, no waiting for the writes still in flight.
            await crashing.Terminate();
        }

        var recovered = Recover(pid).State;
        // Sequence number k is record k - 1: the journal holds a prefix of the records, at least every acknowledged one,
        // and replaying it gives exactly the log the live actor had after that prefix.
        var match = Enumerable.Range((int)acknowledged, records.Count - (int)acknowledged + 1)
            .FirstOrDefault(k => RaftLogDump.After(records.Take(k)).SameAs(recovered), -1);
        Assert.True(match >= 0, $"{acknowledged} records were acknowledged, but what was recovered is no prefix of at least that many: {recovered}");
        Sys.Log.Info("{0} of {1} records acknowledged before the system went down, {2} recovered", acknowledged, records.Count, match);
    }

    /// <summary>
    /// What a node writes: Readies that append with a hard state, every seventh rewriting the last two entries under a
    /// new term as a new leader would, a start counter and address book now and then. Entry data depends on index and
    /// term, so a recovered entry can only be the one written.
    /// </summary>
    private static List<object> CrashWorkload(int count)
    {
        var records = new List<object>(count);
        ulong last = 0;
        ulong term = 1;
        for (var i = 1; i <= count; i++)
        {
            if (i % 10 == 0)
            {
                records.Add(i % 20 == 0
                    ? new NodeIncarnated((ulong)i)
                    : new AddressesChanged(new Dictionary<ulong, string> { [1] = "10.0.0.1:7000", [(ulong)i] = $"10.0.1.{i}:7000" }));
                continue;
            }
            var from = i % 7 == 0 && last >= 2 ? last - 1 : last + 1;
            if (from <= last) term++;
            var entries = Enumerable.Range(0, 3).Select(k => E(from + (ulong)k, term)).ToArray();
            last = from + 2;
            records.Add(Ready(entries, new HardState(term, 1, from - 1)));
        }
        return records;
    }
}
