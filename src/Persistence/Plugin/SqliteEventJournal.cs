using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Microsoft.Data.Sqlite;

namespace RaftActors.Persistence.Plugin;

/// <summary>
/// An Akka.Persistence journal for any persistent actor, in one SQLite file (see <see cref="SqliteStoreFile"/>):
/// write-ahead logging with <c>synchronous=FULL</c>, and a group commit (<see cref="StoreWorker"/>): every
/// <c>WriteMessages</c> that arrives while a transaction commits joins the next one, so one fsync makes a whole
/// batch of writers' events durable, and no write is acknowledged before its fsync.
/// <para>
/// Payloads are serialized with Akka's serialization (any serializer bound in HOCON); an event that cannot be
/// serialized is a rejection of its <see cref="AtomicWrite"/> only (<c>OnPersistRejected</c>). A failure of the disk
/// fails the whole batch and every write after it (<c>OnPersistFailure</c>: the actors stop). Every row carries a
/// CRC-32C over all its fields; replay checks it, and a mismatch fails the recovery with an error naming the file,
/// the persistence id and the sequence number, never yielding the damaged event.
/// </para>
/// <para>
/// Replays read through a second connection, alongside the writer. <c>ReadHighestSequenceNr</c> goes through the
/// writer's queue, so it waits for the writes queued before it, as Akka asks of a journal.
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor releases what it holds in PostStop, which Akka runs when it stops.")]
public sealed class SqliteEventJournal : AsyncWriteJournal
{
    private readonly SqlitePluginSettings _settings;
    private readonly EventSerialization _events;
    private readonly Lock _readerGate = new();
    private SqliteStoreFile? _file;
    private StoreWorker? _worker;
    private SqliteConnection? _reader;

    public SqliteEventJournal(Config config)
    {
        _settings = SqlitePluginSettings.Create(config, RaftSqlitePersistence.JournalPluginId);
        _events = new EventSerialization((ExtendedActorSystem)Context.System);
    }

    private StoreWorker Worker => _worker ?? throw new InvalidOperationException("the journal has not started");

    protected override void PreStart()
    {
        base.PreStart();
        _file = SqliteStoreFile.Open(_settings.Path, JournalRecords.Schema, _settings.Check);
        _reader = _file.OpenReader();
        _worker = new StoreWorker(_file, "raft-sqlite-journal");
    }

    protected override void PostStop()
    {
        _worker?.Dispose();
        lock (_readerGate)
        {
            _reader?.Dispose();
            _reader = null;
        }
        _file?.Dispose();
        base.PostStop();
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        var rejections = new Exception?[writes.Count];
        var rows = new List<EventRow>[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            try
            {
                rows[i] = [.. ((IImmutableList<IPersistentRepresentation>)writes[i].Payload).Select(_events.ToRow)];
            }
#pragma warning disable CA1031 // Any failure to serialize is, by Akka's contract, a rejection of that write alone.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                rejections[i] = ex;
                rows[i] = [];
            }
        }
        IImmutableList<Exception> results = rejections.Any(r => r is not null) ? [.. rejections!] : null!;
        if (rows.All(r => r.Count == 0)) return Task.FromResult(results);
        return WriteRows(Worker, rows, results, cancellationToken);
    }

    /// <summary>
    /// Queues the rows of one <c>WriteMessages</c> for the next group commit, completed on the worker's thread after
    /// the fsync (see <see cref="StoreWorker.Enqueue{T}(Func{StoreSession, T}, bool, CancellationToken)"/>): Akka's
    /// continuation only hands the outcome to the journal's resequencer.
    /// </summary>
    internal static Task<IImmutableList<Exception>> WriteRows(StoreWorker worker, List<EventRow>[] rows, IImmutableList<Exception> results,
        CancellationToken cancellationToken) =>
        worker.Enqueue(session =>
        {
            foreach (var write in rows) Insert(session, write);
            return results;
        }, completeInline: true, cancellationToken);

    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken) =>
        Worker.Enqueue(session => ReadHighest(session, persistenceId), cancellationToken);

    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken) =>
        Worker.Enqueue(session =>
        {
            var cmd = session.Command(JournalRecords.DeleteUpTo);
            cmd.Parameters.Clear();
            cmd.Parameters.AddWithValue("$pid", persistenceId);
            cmd.Parameters.AddWithValue("$to", toSequenceNr);
            return cmd.ExecuteNonQuery();
        }, cancellationToken);

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr,
        long max, Action<IPersistentRepresentation> recoveryCallback) =>
        max <= 0 || toSequenceNr < fromSequenceNr
            ? Task.CompletedTask
            : Task.Run(() => Replay(persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback));

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is not GetStoreCounts) return false;
        var (commits, jobs) = Worker.Counts;
        Sender.Tell(new StoreCounts(commits, jobs));
        return true;
    }

    private static readonly string[] InsertParameters =
        ["$pid", "$seq", "$timestamp", "$adapter_manifest", "$serializer_id", "$manifest", "$payload", "$writer_uuid", "$crc"];

    private static readonly string[] RaiseParameters = ["$pid", "$seq", "$crc"];

    private static void Insert(StoreSession session, List<EventRow> rows)
    {
        if (rows.Count == 0) return;
        var insert = session.Command(JournalRecords.InsertEvent, InsertParameters);
        var p = insert.Parameters;
        foreach (var row in rows)
        {
            p[0].Value = row.PersistenceId;
            p[1].Value = row.SequenceNr;
            p[2].Value = row.Timestamp;
            p[3].Value = row.AdapterManifest;
            p[4].Value = row.SerializerId;
            p[5].Value = row.Manifest;
            p[6].Value = row.Payload;
            p[7].Value = row.WriterUuid;
            p[8].Value = row.Crc;
            insert.ExecuteNonQuery();
        }
        var last = rows[^1];
        var raise = session.Command(JournalRecords.RaiseHighest, RaiseParameters);
        var r = raise.Parameters;
        r[0].Value = last.PersistenceId;
        r[1].Value = last.SequenceNr;
        r[2].Value = JournalRecords.HighestCrc(last.PersistenceId, last.SequenceNr);
        raise.ExecuteNonQuery();
    }

    /// <summary>
    /// The highest sequence number, checked. A missing row while events are stored is damage (the row's key is covered
    /// by nothing but its own checksum, so a flipped bit there loses the row): answering 0 would recover the actor
    /// empty and let it reuse sequence numbers.
    /// </summary>
    private static long ReadHighest(StoreSession session, string persistenceId)
    {
        var cmd = session.Command(JournalRecords.SelectHighest);
        cmd.Parameters.Clear();
        cmd.Parameters.AddWithValue("$pid", persistenceId);
        using (var reader = cmd.ExecuteReader())
        {
            if (reader.Read())
            {
                var highest = reader.GetInt64(0);
                if (reader.GetInt64(1) != JournalRecords.HighestCrc(persistenceId, highest))
                    throw new SqliteStoreCorruptedException(session.File.Path, JournalRecords.HighestName(persistenceId), "checksum mismatch");
                return highest;
            }
        }
        var any = session.Command(JournalRecords.AnyEvent);
        any.Parameters.Clear();
        any.Parameters.AddWithValue("$pid", persistenceId);
        if (Convert.ToInt64(any.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0)
            throw new SqliteStoreCorruptedException(session.File.Path, JournalRecords.HighestName(persistenceId),
                "the row is missing although events of this persistence id are stored");
        return 0;
    }

    private void Replay(string persistenceId, long from, long to, long max, Action<IPersistentRepresentation> recoveryCallback)
    {
        var path = _settings.Path;
        lock (_readerGate)
        {
            var connection = _reader ?? throw new SqliteStoreException(path, $"the journal {path} is stopped");
            try
            {
                using var cmd = connection.CreateCommand();
                cmd.CommandText = JournalRecords.SelectRange;
                cmd.Parameters.AddWithValue("$pid", persistenceId);
                cmd.Parameters.AddWithValue("$from", from);
                cmd.Parameters.AddWithValue("$to", to);
                cmd.Parameters.AddWithValue("$max", max);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) recoveryCallback(_events.FromRow(ReadRow(reader, path), path));
            }
            catch (SqliteException ex)
            {
                throw SqliteStoreFile.Failure(path, $"events of '{persistenceId}' from #{from}", ex);
            }
        }
    }

    private static EventRow ReadRow(SqliteDataReader reader, string path)
    {
        var row = new EventRow(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt32(4),
            reader.GetString(5), reader.GetFieldValue<byte[]>(6), reader.GetString(7));
        if (reader.GetInt64(8) != row.Crc)
            throw new SqliteStoreCorruptedException(path, JournalRecords.EventName(row.PersistenceId, row.SequenceNr), "checksum mismatch");
        return row;
    }
}
