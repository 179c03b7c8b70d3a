using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace RaftActors.Persistence.Plugin;

/// <summary>
/// One SQLite database file of a plugin, open for writing: write-ahead logging and <c>synchronous=FULL</c> set with
/// PRAGMAs and read back, so every commit is synced to disk before it returns. A new file is built under a
/// temporary name and renamed into place, so a file at the path is always a complete one. An existing file is
/// checked before anything is written to it: not cut short, its write-ahead log not damaged
/// (<see cref="WriteAheadLogCheck"/>), our schema and version, and SQLite's own page check. A file that fails
/// any of them is refused with <see cref="SqliteStoreCorruptedException"/> naming it, and left as it is.
/// <para>
/// A lock file (<c>path.lock</c>) held open exclusively keeps a second store, in this or another process, from
/// opening the same database; the OS drops it when the process dies.
/// </para>
/// </summary>
internal sealed class SqliteStoreFile : IDisposable
{
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const long SynchronousFull = 2;

    private readonly FileStream _lockFile;

    private SqliteStoreFile(string path, FileStream lockFile, SqliteConnection connection)
    {
        Path = path;
        _lockFile = lockFile;
        Connection = connection;
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <summary>The writing connection; only the store's worker thread uses it.</summary>
    public SqliteConnection Connection { get; }

    /// <summary>Opens (creating if there is no file) and checks the store at <paramref name="path"/>.</summary>
    /// <exception cref="SqliteStoreCorruptedException">The file exists but is not a sound store of this schema.</exception>
    /// <exception cref="SqliteStoreException">The file cannot be created, locked or opened.</exception>
    public static SqliteStoreFile Open(string path, StoreSchema schema, OpenCheck check)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        var lockFile = AcquireLock(full);
        SqliteConnection? connection = null;
        try
        {
            if (!File.Exists(full))
            {
                Create(full, schema);
            }
            else
            {
                CheckNotTruncated(full);
                WriteAheadLogCheck.Verify(full, full + "-wal");
            }
            connection = OpenConnection(full, SqliteOpenMode.ReadWrite);
            CheckSchema(connection, full, schema);
            RunCheck(connection, full, check);
            // Only now that the file is known to be ours may anything be written to it.
            UseWriteAheadLog(connection, full);
            return new SqliteStoreFile(full, lockFile, connection);
        }
        catch (SqliteException ex)
        {
            connection?.Dispose();
            lockFile.Dispose();
            throw Failure(full, "database", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
            lockFile.Dispose();
            throw new SqliteStoreException(full, $"cannot open {full}: {ex.Message}", ex);
        }
        catch
        {
            connection?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>A second connection for reads that may run alongside the writer (write-ahead logging allows it).</summary>
    public SqliteConnection OpenReader()
    {
        try
        {
            return OpenConnection(Path, SqliteOpenMode.ReadOnly);
        }
        catch (SqliteException ex)
        {
            throw Failure(Path, "database", ex);
        }
    }

    /// <summary>SQLite's errors in the store's terms: damaged pages are corruption, anything else a failure of the file.</summary>
    public static SqliteStoreException Failure(string path, string record, SqliteException ex) =>
        ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase
            ? new SqliteStoreCorruptedException(path, record, ex.Message, ex)
            : new SqliteStoreException(path, $"{record} in {path}: {ex.Message}", ex);

    public void Dispose()
    {
        // Closing the last connection checkpoints the write-ahead log into the database file.
        Connection.Dispose();
        _lockFile.Dispose();
    }

    private static FileStream AcquireLock(string path)
    {
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            // FileShare.None is an exclusive advisory lock on Unix and a share lock on Windows.
            return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new SqliteStoreException(path, $"cannot lock {path}: it is open elsewhere or its folder is not writable ({ex.Message})", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SqliteStoreException(path, $"cannot lock {path}: {ex.Message}", ex);
        }
    }

    private static void Create(string path, StoreSchema schema)
    {
        if (File.Exists(path + "-wal"))
            throw new SqliteStoreCorruptedException(path, "database", "the file is missing but its write-ahead log exists; refusing to start empty");
        var temp = path + ".creating";
        foreach (var leftover in new[] { temp, temp + "-wal", temp + "-shm" }) File.Delete(leftover);
        using (var connection = OpenConnection(temp, SqliteOpenMode.ReadWriteCreate))
        {
            UseWriteAheadLog(connection, temp);
            using var tx = connection.BeginTransaction();
            Execute(connection, tx, StoreSchema.CreateSchemaTable + schema.CreateTables);
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"INSERT INTO {StoreSchema.SchemaTable}(id, magic, version) VALUES(1, $magic, $version)";
            cmd.Parameters.AddWithValue("$magic", schema.Magic);
            cmd.Parameters.AddWithValue("$version", schema.Version);
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
        File.Move(temp, path);
    }

    private static SqliteConnection OpenConnection(string path, SqliteOpenMode mode)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            // Pooling would keep the file open after Dispose: no checkpoint on close, and a restart in the same
            // process would find the file still held.
            Pooling = false,
        }.ToString();
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // journal_mode would write to the file, so it waits until the file is known to be ours
            // (UseWriteAheadLog); these only affect this connection.
            Execute(connection, null, "PRAGMA synchronous=FULL; PRAGMA cell_size_check=ON; PRAGMA trusted_schema=OFF;");
            var synchronous = Convert.ToInt64(Scalar(connection, "PRAGMA synchronous"), CultureInfo.InvariantCulture);
            if (synchronous != SynchronousFull)
                throw new SqliteStoreException(path, $"{path}: PRAGMA synchronous is {synchronous} after setting FULL ({SynchronousFull})");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void UseWriteAheadLog(SqliteConnection connection, string path)
    {
        var journalMode = Scalar(connection, "PRAGMA journal_mode=WAL") as string;
        if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new SqliteStoreException(path, $"{path} cannot use write-ahead logging (journal_mode is {journalMode})");
    }

    /// <summary>
    /// SQLite notices a truncated file only when it reads a missing page, which may be long after open. When no
    /// write-ahead log can supply pages, a header that records more pages than the file holds means the file lost
    /// its tail: refuse it now. A file too short for a header is left to SQLite, which calls it not a database.
    /// </summary>
    private static void CheckNotTruncated(string path)
    {
        var wal = new FileInfo(path + "-wal");
        if (wal.Exists && wal.Length > 0) return;
        Span<byte> header = stackalloc byte[100];
        long length;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            length = file.Length;
            if (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) return;
        }
        if (!header[..16].SequenceEqual("SQLite format 3\0"u8)) return;
        // The page count at offset 28 is trusted only when the "version valid for" number matches the change counter.
        if (BinaryPrimitives.ReadUInt32BigEndian(header[92..]) != BinaryPrimitives.ReadUInt32BigEndian(header[24..])) return;
        var pageSize = BinaryPrimitives.ReadUInt16BigEndian(header[16..]) is var size && size == 1 ? 65536L : size;
        var expected = BinaryPrimitives.ReadUInt32BigEndian(header[28..]) * pageSize;
        if (expected > length)
            throw new SqliteStoreCorruptedException(path, "database", $"the file is truncated: it holds {length} bytes but its header records {expected}");
    }

    private static void CheckSchema(SqliteConnection connection, string path, StoreSchema schema)
    {
        var tables = new List<string>(schema.Tables) { StoreSchema.SchemaTable };
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (SELECT value FROM json_each($names))";
            // The names are the schema's own identifiers (no quotes to escape); no JSON serializer is needed for them,
            // which keeps the plugin usable in applications that disable reflection-based System.Text.Json.
            cmd.Parameters.AddWithValue("$names", "[" + string.Join(",", tables.Select(t => $"\"{t}\"")) + "]");
            if (Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) != tables.Count)
                throw new SqliteStoreCorruptedException(path, "schema", $"the file is not a {schema.Magic} database (its tables are missing)");
        }
        CheckDefinitions(connection, path, schema);
        using var read = connection.CreateCommand();
        read.CommandText = $"SELECT magic, version FROM {StoreSchema.SchemaTable} WHERE id = 1";
        using var reader = read.ExecuteReader();
        if (!reader.Read()) throw new SqliteStoreCorruptedException(path, "schema", "the schema row is missing");
        var magic = reader.IsDBNull(0) ? null : reader.GetValue(0) as string;
        if (magic != schema.Magic)
            throw new SqliteStoreCorruptedException(path, "schema", $"the file holds '{magic}', not '{schema.Magic}'");
        var version = reader.GetInt64(1);
        if (version != schema.Version)
            throw new SqliteStoreCorruptedException(path, "schema", $"unknown schema version {version} (this build reads version {schema.Version})");
    }

    /// <summary>
    /// Each of our tables must be defined exactly as this plugin creates it. A damaged schema page can rename a column
    /// or drop a constraint and still pass the integrity check; without this the first query naming that column fails
    /// as if a write had failed, blaming no record.
    /// </summary>
    private static void CheckDefinitions(SqliteConnection connection, string path, StoreSchema schema)
    {
        var expected = schema.Definitions();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN (SELECT value FROM json_each($names))";
        cmd.Parameters.AddWithValue("$names", "[" + string.Join(",", expected.Keys.Select(t => $"\"{t}\"")) + "]");
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            var sql = reader.IsDBNull(1) ? "" : StoreSchema.Normalize(reader.GetString(1));
            if (sql != expected[name])
                throw new SqliteStoreCorruptedException(path, "schema", $"the definition of table '{name}' is not the one this plugin creates: {sql}");
        }
    }

    private static void RunCheck(SqliteConnection connection, string path, OpenCheck check)
    {
        var pragma = check switch
        {
            OpenCheck.Off => null,
            OpenCheck.Quick => "PRAGMA quick_check",
            OpenCheck.Full => "PRAGMA integrity_check",
            _ => throw new ArgumentOutOfRangeException(nameof(check), check, null),
        };
        if (pragma is null) return;
        using var cmd = connection.CreateCommand();
#pragma warning disable CA2100 // One of two constant PRAGMAs.
        cmd.CommandText = pragma;
#pragma warning restore CA2100
        using var reader = cmd.ExecuteReader();
        var problems = new List<string>();
        while (reader.Read() && problems.Count < 5) problems.Add(reader.GetString(0));
        if (problems is not ["ok"])
            throw new SqliteStoreCorruptedException(path, "database", $"{pragma} reports: {string.Join("; ", problems)}");
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
#pragma warning disable CA2100 // Constant schema and PRAGMA text of this plugin.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
#pragma warning disable CA2100 // Constant PRAGMA text of this plugin.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        return cmd.ExecuteScalar();
    }
}

/// <summary>How thoroughly a store file is checked when it opens (HOCON <c>check-on-open</c>).</summary>
internal enum OpenCheck
{
    Off,
    Quick,
    Full,
}
