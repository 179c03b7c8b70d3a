using System.Buffers.Binary;
using System.Text;
using RaftActors.Messages;

namespace RaftActors.Persistence;

/// <summary>
/// The SQLite journal's schema and record layouts. Every row carries a CRC-32C of its bytes, seeded with
/// the row's key where the bytes do not already name it, so a row copied to the wrong place is caught too.
/// </summary>
internal static class SqliteRecords
{
    public const string Magic = "RaftActors.Journal";
    public const long SchemaVersion = 1;

    public const string HardStateRow = "hard_state";
    public const string LogBaseRow = "log_base";
    public const string SnapshotRow = "snapshot";

    public static readonly string[] Tables =
        ["journal_schema", "journal_state", "journal_entries", "journal_snapshot_chunks", "journal_meta"];

    // Entries keep the codec's bytes (which hold index and term) so a row is checked by decoding it;
    // the term column lets a human read the log with the sqlite3 shell.
    public const string CreateSchema = """
        CREATE TABLE journal_schema(id INTEGER PRIMARY KEY CHECK (id = 1), magic TEXT NOT NULL, version INTEGER NOT NULL);
        CREATE TABLE journal_state(name TEXT PRIMARY KEY, data BLOB NOT NULL, crc INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE journal_entries(idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL);
        CREATE TABLE journal_snapshot_chunks(seq INTEGER PRIMARY KEY, data BLOB NOT NULL, crc INTEGER NOT NULL);
        CREATE TABLE journal_meta(key TEXT PRIMARY KEY, value BLOB NOT NULL, crc INTEGER NOT NULL) WITHOUT ROWID;
        """;

    public static uint KeyedCrc(string key, ReadOnlySpan<byte> data) =>
        Crc32C.Append(Crc32C.Compute(Encoding.UTF8.GetBytes(key)), data);

    public static uint ChunkCrc(long seq, ReadOnlySpan<byte> data)
    {
        Span<byte> key = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(key, seq);
        return Crc32C.Append(Crc32C.Compute(key), data);
    }

    public static byte[] EncodeBase(LogPosition position)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, position.Index);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), position.Term);
        return bytes;
    }

    public static LogPosition DecodeBase(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 16) throw new CodecException($"a log base is 16 bytes, not {bytes.Length}");
        return new LogPosition(BinaryPrimitives.ReadUInt64LittleEndian(bytes), BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]));
    }

    /// <summary>Snapshot row: payload length (8 bytes), payload CRC-32C (4 bytes), then the codec's metadata.</summary>
    public static byte[] EncodeSnapshot(SnapshotMetadata metadata, long length, uint payloadCrc)
    {
        var meta = RaftCodec.Encode(metadata);
        var bytes = new byte[12 + meta.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), payloadCrc);
        meta.CopyTo(bytes, 12);
        return bytes;
    }

    public static StoredSnapshot DecodeSnapshot(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 12) throw new CodecException($"a snapshot record is at least 12 bytes, not {bytes.Length}");
        var length = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (length < 0) throw new CodecException($"negative snapshot length {length}");
        return new StoredSnapshot(RaftCodec.DecodeSnapshotMetadata(bytes[12..]), length, BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]));
    }
}

/// <summary>The snapshot row: metadata, payload length and the CRC-32C of the whole payload.</summary>
internal readonly record struct StoredSnapshot(SnapshotMetadata Metadata, long Length, uint PayloadCrc)
{
    public static readonly StoredSnapshot None = new(SnapshotMetadata.Empty, 0, 0);
}
