namespace RaftActors.Persistence.Plugin;

/// <summary>
/// The journal file's schema. Events keep Akka's serializer id and manifest, so any serializer bound in HOCON
/// reads them back; the highest sequence number per persistence id lives in its own table so that it survives
/// <c>DeleteMessagesTo</c> (Akka requires that sequence numbers are never reused after a delete).
/// </summary>
internal static class JournalRecords
{
    public static readonly StoreSchema Schema = new(
        "RaftActors.Persistence.EventJournal",
        1,
        ["journal_events", "journal_highest"],
        """
        CREATE TABLE journal_events(
            persistence_id TEXT NOT NULL,
            sequence_nr INTEGER NOT NULL,
            timestamp INTEGER NOT NULL,
            adapter_manifest TEXT NOT NULL,
            serializer_id INTEGER NOT NULL,
            manifest TEXT NOT NULL,
            payload BLOB NOT NULL,
            writer_uuid TEXT NOT NULL,
            crc INTEGER NOT NULL,
            PRIMARY KEY (persistence_id, sequence_nr));
        CREATE TABLE journal_highest(
            persistence_id TEXT PRIMARY KEY,
            sequence_nr INTEGER NOT NULL,
            crc INTEGER NOT NULL) WITHOUT ROWID;
        """);

    public const string InsertEvent = """
        INSERT INTO journal_events(persistence_id, sequence_nr, timestamp, adapter_manifest, serializer_id, manifest, payload, writer_uuid, crc)
        VALUES($pid, $seq, $timestamp, $adapter_manifest, $serializer_id, $manifest, $payload, $writer_uuid, $crc)
        """;

    public const string RaiseHighest = """
        INSERT INTO journal_highest(persistence_id, sequence_nr, crc) VALUES($pid, $seq, $crc)
        ON CONFLICT(persistence_id) DO UPDATE SET sequence_nr = excluded.sequence_nr, crc = excluded.crc
        WHERE excluded.sequence_nr > journal_highest.sequence_nr
        """;

    public const string SelectHighest = "SELECT sequence_nr, crc FROM journal_highest WHERE persistence_id = $pid";

    public const string AnyEvent = "SELECT EXISTS(SELECT 1 FROM journal_events WHERE persistence_id = $pid)";

    public const string DeleteUpTo = "DELETE FROM journal_events WHERE persistence_id = $pid AND sequence_nr <= $to";

    public const string SelectRange = """
        SELECT persistence_id, sequence_nr, timestamp, adapter_manifest, serializer_id, manifest, payload, writer_uuid, crc
        FROM journal_events WHERE persistence_id = $pid AND sequence_nr >= $from AND sequence_nr <= $to
        ORDER BY sequence_nr LIMIT $max
        """;

    public static long HighestCrc(string persistenceId, long sequenceNr) =>
        new RecordCrc().Add("highest").Add(persistenceId).Add(sequenceNr).Value;

    public static string EventName(string persistenceId, long sequenceNr) => $"event '{persistenceId}' #{sequenceNr}";

    public static string HighestName(string persistenceId) => $"highest sequence number of '{persistenceId}'";
}

/// <summary>One stored event: Akka's persistent representation with its payload serialized.</summary>
internal sealed record EventRow(
    string PersistenceId,
    long SequenceNr,
    long Timestamp,
    string AdapterManifest,
    int SerializerId,
    string Manifest,
    byte[] Payload,
    string WriterUuid)
{
    public long Crc => new RecordCrc()
        .Add("event").Add(PersistenceId).Add(SequenceNr).Add(Timestamp).Add(AdapterManifest)
        .Add(SerializerId).Add(Manifest).Add(Payload).Add(WriterUuid).Value;
}
