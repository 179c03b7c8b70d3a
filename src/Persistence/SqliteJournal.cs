using Microsoft.Data.Sqlite;
using RaftActors.Messages;

namespace RaftActors.Persistence;

/// <summary>
/// The default <see cref="IJournal"/>: one SQLite database file in WAL mode with <c>synchronous=FULL</c>,
/// so every committed transaction is fsynced before <see cref="Save"/> returns, and a crash loses at most
/// the transaction in flight (SQLite ignores a torn write-ahead-log tail). One transaction per
/// <see cref="Save"/>. Hot-path statements are prepared once and reused.
/// <para>
/// Every record carries a CRC-32C that is checked whenever the record is read. On open the journal
/// checks the schema row, the hard state, the log base, the snapshot metadata and the snapshot's chunk
/// count and total length, that the log is contiguous from its base, and the checksums of the last
/// <see cref="VerifiedTailEntries"/> entries (where a bad write would show first). Older entries and the
/// snapshot payload are checked lazily, when read. A file that exists but is not a valid journal is
/// refused with <see cref="JournalCorruptedException"/> and left as it is; the journal never starts empty
/// over it. A truncated database file is refused (its header records more pages than it holds); a torn
/// tail of the write-ahead log is not an error: SQLite recovers to the last whole transaction, which is
/// exactly what the last <see cref="Save"/> that returned made durable.
/// </para>
/// <para>
/// Snapshot payloads are stored in the same database as 1 MiB chunk rows, written in the same transaction
/// as the rest of the batch, so a snapshot and the log change it implies are atomic without a side file.
/// A payload is streamed in and out and never held in memory whole; while a large snapshot is being saved
/// the write-ahead log grows by its size until the next checkpoint.
/// </para>
/// <para>
/// A lock file (<c>path.lock</c>) held open exclusively keeps a second journal, in this or another
/// process, from opening the same database.
/// </para>
/// </summary>
public sealed partial class SqliteJournal : IJournal
{
    /// <summary>How many of the newest entries have their checksums verified on open.</summary>
    public const int VerifiedTailEntries = 1024;

    internal const int SnapshotChunkBytes = 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly FileStream _lockFile;
    private readonly SqliteConnection _connection;
    private readonly Statements _sql;
    private readonly JournalView _view;
    private SqliteTransaction? _transaction;
    private bool _disposed;
    private JournalWriteException? _failure;

    private SqliteJournal(string path, FileStream lockFile, SqliteConnection connection, JournalView view)
    {
        Path = path;
        _lockFile = lockFile;
        _connection = connection;
        _view = view;
        _sql = new Statements(connection);
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    public JournalState State { get { lock (_gate) { CheckUsable(); return _view.ToState(); } } }
    public ulong FirstIndex { get { lock (_gate) { CheckUsable(); return _view.FirstIndex; } } }
    public ulong LastIndex { get { lock (_gate) { CheckUsable(); return _view.LastIndex; } } }

    public IReadOnlyList<Entry> Entries(ulong lo, ulong hi, ulong maxBytes = ulong.MaxValue)
    {
        lock (_gate)
        {
            CheckUsable();
            _view.CheckRange(lo, hi);
            var result = new List<Entry>();
            if (lo == hi) return result;
            try
            {
                ReadRange(lo, hi, maxBytes, result);
            }
            catch (SqliteException ex)
            {
                throw ReadFailure($"entries {lo}..{hi - 1}", ex);
            }
            return result;
        }
    }

    /// <summary>Reads <c>[lo, hi)</c> into <paramref name="result"/>, stopping at <paramref name="maxBytes"/> after the first entry.</summary>
    private void ReadRange(ulong lo, ulong hi, ulong maxBytes, List<Entry> result)
    {
        var cmd = _sql.SelectRange;
        cmd.Parameters[0].Value = (long)lo;
        cmd.Parameters[1].Value = (long)hi;
        using var reader = Execute(cmd);
        ulong total = 0;
        while (reader.Read())
        {
            var e = ReadEntry(reader);
            if (e.Index != lo + (ulong)result.Count) throw Corrupted($"entry {lo + (ulong)result.Count}", "missing from the log");
            total += (ulong)e.Size;
            if (result.Count > 0 && total > maxBytes) return;
            result.Add(e);
        }
        // The range was checked against a contiguous log, so a short answer means rows vanished.
        if (result.Count != (int)(hi - lo)) throw Corrupted($"entry {lo + (ulong)result.Count}", "missing from the log");
    }

    public ulong Term(ulong index)
    {
        lock (_gate)
        {
            CheckUsable();
            return _view.CheckTermIndex(index) ? _view.Base.Term : StoredTerm(index);
        }
    }

    public JournalSnapshot? OpenSnapshot()
    {
        lock (_gate)
        {
            CheckUsable();
            if (_view.Snapshot.Index == 0) return null;
            var connection = OpenConnection(Path, SqliteOpenMode.ReadWrite);
            try
            {
                // A deferred transaction pins the reader to one WAL snapshot: later saves cannot change
                // the payload under it, and the metadata is read in the same view.
                var transaction = connection.BeginTransaction(deferred: true);
                var stored = ReadSnapshotRow(connection, transaction, Path);
                var stream = new SqliteSnapshotStream(connection, transaction, Path, stored.Length, stored.PayloadCrc);
                return new JournalSnapshot(stored.Metadata, stored.Length, stream);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
    }

    public byte[]? GetMeta(string key)
    {
        JournalView.CheckMetaKey(key);
        lock (_gate)
        {
            CheckUsable();
            try
            {
                var cmd = _sql.GetMeta;
                cmd.Parameters[0].Value = key;
                using var reader = Execute(cmd);
                if (!reader.Read()) return null;
                var value = reader.GetFieldValue<byte[]>(0);
                if (SqliteRecords.KeyedCrc("meta:" + key, value) != (uint)reader.GetInt64(1))
                    throw Corrupted($"metadata '{key}'", "checksum mismatch");
                return value;
            }
            catch (SqliteException ex)
            {
                throw ReadFailure($"metadata '{key}'", ex);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _sql.Dispose();
            // Closing the last connection checkpoints the WAL into the database file.
            _connection.Dispose();
            _lockFile.Dispose();
        }
    }

    private ulong StoredTerm(ulong index)
    {
        try
        {
            var cmd = _sql.SelectEntry;
            cmd.Parameters[0].Value = (long)index;
            using var reader = Execute(cmd);
            if (!reader.Read()) throw Corrupted($"entry {index}", "missing from the log");
            return ReadEntry(reader).Term;
        }
        catch (SqliteException ex)
        {
            throw ReadFailure($"entry {index}", ex);
        }
    }

    /// <summary>Reads a row of (idx, term, data, crc) and checks it.</summary>
    private Entry ReadEntry(SqliteDataReader reader) => ReadEntry(reader, Path);

    internal static Entry ReadEntry(SqliteDataReader reader, string path)
    {
        var idx = reader.GetInt64(0);
        var term = reader.GetInt64(1);
        var data = reader.GetFieldValue<byte[]>(2);
        if (Crc32C.Compute(data) != (uint)reader.GetInt64(3))
            throw new JournalCorruptedException(path, $"entry {idx}", "checksum mismatch");
        Entry e;
        try
        {
            e = RaftCodec.DecodeEntry(data);
        }
        catch (CodecException ex)
        {
            throw new JournalCorruptedException(path, $"entry {idx}", "cannot be decoded: " + ex.Message, ex);
        }
        if (e.Index != (ulong)idx || e.Term != (ulong)term)
            throw new JournalCorruptedException(path, $"entry {idx}", $"the row holds entry {e.Index} of term {e.Term}");
        return e;
    }

    private SqliteDataReader Execute(SqliteCommand cmd)
    {
        cmd.Transaction = _transaction;
        return cmd.ExecuteReader();
    }

    private int ExecuteNonQuery(SqliteCommand cmd)
    {
        cmd.Transaction = _transaction;
        return cmd.ExecuteNonQuery();
    }

    /// <summary>SQLite's own read errors, in the journal's terms: damaged pages are corruption, anything else an I/O failure.</summary>
    private JournalException ReadFailure(string record, SqliteException ex) => OpenFailure(Path, record, ex);

    private JournalCorruptedException Corrupted(string record, string problem) => new(Path, record, problem);

    private void CheckUsable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null) throw new JournalWriteException($"journal {Path} failed earlier and refuses further use", _failure);
    }
}
