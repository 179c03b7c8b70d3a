using Microsoft.Data.Sqlite;

namespace RaftActors.Persistence;

public sealed partial class SqliteJournal
{
    /// <summary>
    /// The statements the journal runs, prepared once per connection and reused with new parameter
    /// values, so a Save of many entries compiles no SQL.
    /// </summary>
    private sealed class Statements : IDisposable
    {
        private readonly List<SqliteCommand> _all = [];

        public Statements(SqliteConnection connection)
        {
            SelectRange = Create(connection, "SELECT idx, term, data, crc FROM journal_entries WHERE idx >= $lo AND idx < $hi ORDER BY idx",
                ("$lo", SqliteType.Integer), ("$hi", SqliteType.Integer));
            SelectEntry = Create(connection, "SELECT idx, term, data, crc FROM journal_entries WHERE idx = $idx",
                ("$idx", SqliteType.Integer));
            InsertEntry = Create(connection, "INSERT INTO journal_entries(idx, term, data, crc) VALUES($idx, $term, $data, $crc)",
                ("$idx", SqliteType.Integer), ("$term", SqliteType.Integer), ("$data", SqliteType.Blob), ("$crc", SqliteType.Integer));
            DeleteFrom = Create(connection, "DELETE FROM journal_entries WHERE idx >= $idx", ("$idx", SqliteType.Integer));
            DeleteUpTo = Create(connection, "DELETE FROM journal_entries WHERE idx <= $idx", ("$idx", SqliteType.Integer));
            PutState = Create(connection, "INSERT OR REPLACE INTO journal_state(name, data, crc) VALUES($name, $data, $crc)",
                ("$name", SqliteType.Text), ("$data", SqliteType.Blob), ("$crc", SqliteType.Integer));
            DeleteChunks = Create(connection, "DELETE FROM journal_snapshot_chunks");
            InsertChunk = Create(connection, "INSERT INTO journal_snapshot_chunks(seq, data, crc) VALUES($seq, $data, $crc)",
                ("$seq", SqliteType.Integer), ("$data", SqliteType.Blob), ("$crc", SqliteType.Integer));
            GetMeta = Create(connection, "SELECT value, crc FROM journal_meta WHERE key = $key", ("$key", SqliteType.Text));
            PutMeta = Create(connection, "INSERT OR REPLACE INTO journal_meta(key, value, crc) VALUES($key, $value, $crc)",
                ("$key", SqliteType.Text), ("$value", SqliteType.Blob), ("$crc", SqliteType.Integer));
            DeleteMeta = Create(connection, "DELETE FROM journal_meta WHERE key = $key", ("$key", SqliteType.Text));
        }

        public SqliteCommand SelectRange { get; }
        public SqliteCommand SelectEntry { get; }
        public SqliteCommand InsertEntry { get; }
        public SqliteCommand DeleteFrom { get; }
        public SqliteCommand DeleteUpTo { get; }
        public SqliteCommand PutState { get; }
        public SqliteCommand DeleteChunks { get; }
        public SqliteCommand InsertChunk { get; }
        public SqliteCommand GetMeta { get; }
        public SqliteCommand PutMeta { get; }
        public SqliteCommand DeleteMeta { get; }

        public void Dispose()
        {
            foreach (var cmd in _all) cmd.Dispose();
        }

        private SqliteCommand Create(SqliteConnection connection, string sql, params (string Name, SqliteType Type)[] parameters)
        {
            var cmd = connection.CreateCommand();
            _all.Add(cmd);
#pragma warning disable CA2100 // The SQL is a constant of this class; values always go through parameters.
            cmd.CommandText = sql;
#pragma warning restore CA2100
            foreach (var (name, type) in parameters) cmd.Parameters.Add(name, type);
            cmd.Prepare();
            return cmd;
        }
    }
}
