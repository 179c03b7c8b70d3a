namespace RaftActors.Persistence.Plugin;

/// <summary>The snapshot file's schema: one row per (persistence id, sequence number), replaced when saved again.</summary>
internal static class SnapshotRecords
{
    public static readonly StoreSchema Schema = new(
        "RaftActors.Persistence.SnapshotStore",
        1,
        ["snapshots"],
        """
        CREATE TABLE snapshots(
            persistence_id TEXT NOT NULL,
            sequence_nr INTEGER NOT NULL,
            timestamp INTEGER NOT NULL,
            serializer_id INTEGER NOT NULL,
            manifest TEXT NOT NULL,
            payload BLOB NOT NULL,
            crc INTEGER NOT NULL,
            PRIMARY KEY (persistence_id, sequence_nr));
        """);

    public const string Upsert = """
        INSERT OR REPLACE INTO snapshots(persistence_id, sequence_nr, timestamp, serializer_id, manifest, payload, crc)
        VALUES($pid, $seq, $timestamp, $serializer_id, $manifest, $payload, $crc)
        """;

    private const string Matching = """
        persistence_id = $pid AND sequence_nr >= $min_seq AND sequence_nr <= $max_seq
        AND timestamp >= $min_ts AND timestamp <= $max_ts
        """;

    public const string SelectLatest = $"""
        SELECT persistence_id, sequence_nr, timestamp, serializer_id, manifest, payload, crc FROM snapshots
        WHERE {Matching} ORDER BY sequence_nr DESC LIMIT 1
        """;

    public const string DeleteMatching = $"DELETE FROM snapshots WHERE {Matching}";

    public const string DeleteOne = "DELETE FROM snapshots WHERE persistence_id = $pid AND sequence_nr = $seq";

    public static string SnapshotName(string persistenceId, long sequenceNr) => $"snapshot '{persistenceId}' #{sequenceNr}";
}

/// <summary>One stored snapshot; the timestamp is UTC ticks.</summary>
internal sealed record SnapshotRow(string PersistenceId, long SequenceNr, long Timestamp, int SerializerId, string Manifest, byte[] Payload)
{
    public long Crc => new RecordCrc()
        .Add("snapshot").Add(PersistenceId).Add(SequenceNr).Add(Timestamp).Add(SerializerId).Add(Manifest).Add(Payload).Value;
}
