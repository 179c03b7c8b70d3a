using Microsoft.Data.Sqlite;
using RaftActors.Messages;

namespace RaftActors.Persistence;

public sealed partial class SqliteJournal
{
    // SQLite result codes that mean "these bytes are not a (sound) database".
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    /// <summary>
    /// Opens the journal at <paramref name="path"/>, creating it if no file exists there, and recovers and
    /// checks its state (see the class remarks for what is checked). A new journal is built under a
    /// temporary name and renamed into place, so a file at <paramref name="path"/> is always a complete one.
    /// </summary>
    /// <exception cref="JournalCorruptedException">The file exists but is not a sound journal.</exception>
    /// <exception cref="JournalLockedException">Another journal already has the file open.</exception>
    /// <exception cref="JournalException">The file could not be opened (permissions, I/O).</exception>
    public static SqliteJournal Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        var lockFile = AcquireLock(full);
        SqliteConnection? connection = null;
        try
        {
            if (!File.Exists(full)) Create(full);
            connection = OpenConnection(full, SqliteOpenMode.ReadWrite);
            var view = Recover(connection, full);
            // Only now that the file is known to be a journal may anything be written to it.
            UseWriteAheadLog(connection, full);
            return new SqliteJournal(full, lockFile, connection, view);
        }
        catch
        {
            connection?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    private static FileStream AcquireLock(string path)
    {
        try
        {
            // FileShare.None is an exclusive advisory lock on Unix and a share lock on Windows; the OS
            // drops it when the process dies, so a crash never leaves the journal locked.
            return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new JournalLockedException(path, ex);
        }
    }

    private static void Create(string path)
    {
        if (File.Exists(path + "-wal"))
            throw new JournalCorruptedException(path, "database", "the file is missing but its write-ahead log exists; refusing to start empty");
        var temp = path + ".creating";
        foreach (var leftover in new[] { temp, temp + "-wal", temp + "-shm" }) File.Delete(leftover);
        try
        {
            using (var connection = OpenConnection(temp, SqliteOpenMode.ReadWriteCreate))
            {
                UseWriteAheadLog(connection, temp);
                using var tx = connection.BeginTransaction();
                Exec(connection, tx, SqliteRecords.CreateSchema);
                using (var cmd = connection.CreateCommand())
                {
                    cmd.Transaction = tx;
                    cmd.CommandText = "INSERT INTO journal_schema(id, magic, version) VALUES(1, $magic, $version)";
                    cmd.Parameters.AddWithValue("$magic", SqliteRecords.Magic);
                    cmd.Parameters.AddWithValue("$version", SqliteRecords.SchemaVersion);
                    cmd.ExecuteNonQuery();
                }
                PutStateRow(connection, tx, SqliteRecords.HardStateRow, RaftCodec.Encode(HardState.Empty));
                PutStateRow(connection, tx, SqliteRecords.LogBaseRow, SqliteRecords.EncodeBase(default));
                tx.Commit();
            }
            File.Move(temp, path);
        }
        catch (SqliteException ex)
        {
            throw new JournalException($"cannot create the journal {path}: {ex.Message}", ex);
        }
    }

    private static SqliteConnection OpenConnection(string path, SqliteOpenMode mode)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            // Pooling would keep the file open after Dispose: no checkpoint on close, and tests and
            // restarts would see a journal that is still held.
            Pooling = false,
        }.ToString();
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // Setting journal_mode would write to the file, so it waits until the file is known to be a
            // journal (UseWriteAheadLog); these settings only affect this connection.
            Exec(connection, null, "PRAGMA synchronous=FULL; PRAGMA cell_size_check=ON; PRAGMA trusted_schema=OFF;");
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw OpenFailure(path, "database", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void UseWriteAheadLog(SqliteConnection connection, string path)
    {
        try
        {
            var journalMode = Scalar(connection, "PRAGMA journal_mode=WAL");
            if (!string.Equals(journalMode as string, "wal", StringComparison.OrdinalIgnoreCase))
                throw new JournalException($"the journal {path} cannot use write-ahead logging (journal_mode is {journalMode})");
        }
        catch (SqliteException ex)
        {
            throw OpenFailure(path, "database", ex);
        }
    }

    private static JournalException OpenFailure(string path, string record, SqliteException ex) =>
        ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase
            ? new JournalCorruptedException(path, record, ex.Message, ex)
            : new JournalException($"cannot open the journal {path}: {ex.Message}", ex);

    /// <summary>Loads and checks the stored state; see the class remarks for what is verified here.</summary>
    private static JournalView Recover(SqliteConnection connection, string path)
    {
        try
        {
            CheckSchema(connection, path);
            var hardState = Decode(path, "hard state", ReadStateRow(connection, null, path, SqliteRecords.HardStateRow, "hard state"),
                static b => RaftCodec.DecodeHardState(b));
            var logBase = Decode(path, "log base", ReadStateRow(connection, null, path, SqliteRecords.LogBaseRow, "log base"),
                static b => SqliteRecords.DecodeBase(b));
            var snapshot = HasStateRow(connection, SqliteRecords.SnapshotRow) ? ReadSnapshotRow(connection, null, path) : StoredSnapshot.None;
            CheckSnapshotChunks(connection, path, snapshot);
            if (logBase.Index > snapshot.Metadata.Index)
                throw new JournalCorruptedException(path, "log base", $"the log is compacted to {logBase.Index}, past the snapshot at {snapshot.Metadata.Index}");
            var last = CheckEntries(connection, path, logBase, snapshot.Metadata);
            return new JournalView(hardState, snapshot.Metadata, logBase, last);
        }
        catch (SqliteException ex)
        {
            throw OpenFailure(path, "database", ex);
        }
    }

    private static void CheckSchema(SqliteConnection connection, string path)
    {
        var present = Convert.ToInt64(Scalar(connection,
            $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('{string.Join("','", SqliteRecords.Tables)}')"),
            System.Globalization.CultureInfo.InvariantCulture);
        if (present != SqliteRecords.Tables.Length)
            throw new JournalCorruptedException(path, "schema", "the file is not a RaftActors journal (its tables are missing)");
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT magic, version FROM journal_schema WHERE id = 1";
        using var reader = cmd.ExecuteReader();
        if (!reader.Read()) throw new JournalCorruptedException(path, "schema", "the schema version row is missing");
        var magic = reader.IsDBNull(0) ? null : reader.GetValue(0) as string;
        if (magic != SqliteRecords.Magic) throw new JournalCorruptedException(path, "schema", $"unexpected magic '{magic}'");
        var version = reader.GetInt64(1);
        if (version != SqliteRecords.SchemaVersion)
            throw new JournalCorruptedException(path, "schema", $"unknown schema version {version} (this build reads version {SqliteRecords.SchemaVersion})");
    }

    private static void CheckSnapshotChunks(SqliteConnection connection, string path, StoredSnapshot snapshot)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT count(*), coalesce(max(seq), -1), coalesce(sum(length(data)), 0) FROM journal_snapshot_chunks";
        using var reader = cmd.ExecuteReader();
        reader.Read();
        var (count, maxSeq, length) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        if (count != maxSeq + 1 || length != snapshot.Length)
            throw new JournalCorruptedException(path, "snapshot payload",
                $"{count} chunks of {length} bytes (highest seq {maxSeq}) do not match the recorded {snapshot.Length} bytes");
    }

    /// <summary>Checks that the log is contiguous from its base and verifies its tail; returns the last index.</summary>
    private static ulong CheckEntries(SqliteConnection connection, string path, LogPosition logBase, SnapshotMetadata snapshot)
    {
        long count, min, max;
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT count(*), coalesce(min(idx), 0), coalesce(max(idx), 0) FROM journal_entries";
            using var reader = cmd.ExecuteReader();
            reader.Read();
            (count, min, max) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }
        if (count == 0) return logBase.Index;
        if ((ulong)min != logBase.Index + 1)
            throw new JournalCorruptedException(path, $"entry {min}", $"the log should start at {logBase.Index + 1}, right after its base");
        if (max - min + 1 != count)
            throw new JournalCorruptedException(path, $"entries {min}..{max}", $"the log has gaps: {count} entries in a range of {max - min + 1}");
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT idx, term, data, crc FROM journal_entries WHERE idx > $from ORDER BY idx";
            cmd.Parameters.AddWithValue("$from", Math.Max(max - VerifiedTailEntries, 0));
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                var e = ReadEntry(reader, path);
                if (e.Index == snapshot.Index && e.Term != snapshot.Term)
                    throw new JournalCorruptedException(path, $"entry {e.Index}", $"term {e.Term} differs from the snapshot's term {snapshot.Term} at the same index");
            }
        }
        return (ulong)max;
    }

    private static bool HasStateRow(SqliteConnection connection, string name)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM journal_state WHERE name = $name";
        cmd.Parameters.AddWithValue("$name", name);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static StoredSnapshot ReadSnapshotRow(SqliteConnection connection, SqliteTransaction? tx, string path) =>
        Decode(path, "snapshot metadata", ReadStateRow(connection, tx, path, SqliteRecords.SnapshotRow, "snapshot metadata"),
            static b => SqliteRecords.DecodeSnapshot(b));

    private static byte[] ReadStateRow(SqliteConnection connection, SqliteTransaction? tx, string path, string name, string record)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT data, crc FROM journal_state WHERE name = $name";
        cmd.Parameters.AddWithValue("$name", name);
        using var reader = cmd.ExecuteReader();
        if (!reader.Read()) throw new JournalCorruptedException(path, record, "the record is missing");
        var data = reader.GetFieldValue<byte[]>(0);
        if (SqliteRecords.KeyedCrc(name, data) != (uint)reader.GetInt64(1))
            throw new JournalCorruptedException(path, record, "checksum mismatch");
        return data;
    }

    private static T Decode<T>(string path, string record, byte[] data, Func<byte[], T> decode)
    {
        try
        {
            return decode(data);
        }
        catch (CodecException ex)
        {
            throw new JournalCorruptedException(path, record, "cannot be decoded: " + ex.Message, ex);
        }
    }

    private static void PutStateRow(SqliteConnection connection, SqliteTransaction tx, string name, byte[] data)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT OR REPLACE INTO journal_state(name, data, crc) VALUES($name, $data, $crc)";
        cmd.Parameters.AddWithValue("$name", name);
        cmd.Parameters.AddWithValue("$data", data);
        cmd.Parameters.AddWithValue("$crc", (long)SqliteRecords.KeyedCrc(name, data));
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
#pragma warning disable CA2100 // Only constant SQL of this class reaches here.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        return cmd.ExecuteScalar();
    }

    private static void Exec(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
#pragma warning disable CA2100 // Only constant SQL of this class reaches here.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        cmd.ExecuteNonQuery();
    }
}
