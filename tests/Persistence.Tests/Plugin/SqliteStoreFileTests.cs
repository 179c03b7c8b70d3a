using Microsoft.Data.Sqlite;
using RaftActors.Persistence.Plugin;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>
/// Opening a store file: the PRAGMAs it runs on, and the files it refuses (naming them) before anything is written:
/// cut short, not ours, a damaged write-ahead log. A torn write-ahead-log tail, what a crash leaves, is accepted.
/// </summary>
public sealed class SqliteStoreFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string StorePath => Path.Combine(_folder.Path, "store.db");

    [Fact]
    public void The_writer_runs_in_wal_mode_with_synchronous_full()
    {
        using var file = Open(StorePath);
        Assert.Equal("wal", Scalar(file.Connection, "PRAGMA journal_mode"));
        Assert.Equal(2L, Scalar(file.Connection, "PRAGMA synchronous"));
        using var reader = file.OpenReader();
        Assert.Equal("wal", Scalar(reader, "PRAGMA journal_mode"));
        // journal_mode is kept in the file: any later connection, ours or not, finds it.
        using var raw = new SqliteConnection($"Data Source={StorePath};Pooling=False;Mode=ReadOnly");
        raw.Open();
        Assert.Equal("wal", Scalar(raw, "PRAGMA journal_mode"));
    }

    [Fact]
    public void A_reopened_file_keeps_what_was_committed()
    {
        using (var file = Open(StorePath)) Commit(file, "a", 1);
        using (var file = Open(StorePath))
        {
            Assert.Equal(1L, Scalar(file.Connection, "SELECT sequence_nr FROM journal_highest WHERE persistence_id = 'a'"));
        }
    }

    [Theory]
    [InlineData(-2)] // half the file
    [InlineData(4096)] // the last page
    [InlineData(1)] // the last byte
    public void A_truncated_file_is_refused_naming_it(int cut)
    {
        using (var file = Open(StorePath))
            for (var i = 0; i < 50; i++) Commit(file, new string('x', 2000) + i, i);
        var length = new FileInfo(StorePath).Length;
        Assert.True(length > 8 * 4096, $"the file should span many pages, it has {length} bytes");
        using (var stream = new FileStream(StorePath, FileMode.Open)) stream.SetLength(cut < 0 ? length / -cut : length - cut);
        var truncated = File.ReadAllBytes(StorePath);

        var error = Assert.Throws<SqliteStoreCorruptedException>(() => Open(StorePath));
        Assert.Contains(StorePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Equal(truncated, File.ReadAllBytes(StorePath));
    }

    [Fact]
    public void An_empty_file_is_refused_rather_than_started_as_a_new_store()
    {
        File.WriteAllBytes(StorePath, []);
        var error = Assert.Throws<SqliteStoreCorruptedException>(() => Open(StorePath));
        Assert.Equal("schema", error.Record);
        Assert.Contains(StorePath, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(StorePath).Length);
    }

    [Theory]
    [InlineData("DELETE FROM store_schema", "the schema row is missing")]
    [InlineData("UPDATE store_schema SET version = 99", "unknown schema version 99")]
    [InlineData("UPDATE store_schema SET magic = 'SomethingElse'", "holds 'SomethingElse'")]
    // One flipped bit in the schema page renames a column (the damage walk found it): refused at open, not by the
    // first query that names the column, as a failed write that blames no record.
    [InlineData("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'persistence_id', 'persistence_ie') WHERE name = 'journal_events'",
        "the definition of table 'journal_events' is not the one this plugin creates")]
    [InlineData("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'id = 1', 'id = 3') WHERE name = 'store_schema'",
        "the definition of table 'store_schema' is not the one this plugin creates")]
    public void A_file_whose_schema_row_is_not_ours_is_refused_naming_it(string damage, string problem)
    {
        using (Open(StorePath)) { }
        using (var raw = new SqliteConnection($"Data Source={StorePath};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = damage;
            cmd.ExecuteNonQuery();
        }

        var error = Assert.Throws<SqliteStoreCorruptedException>(() => Open(StorePath));
        Assert.Equal("schema", error.Record);
        Assert.Contains(StorePath, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opening_in_a_missing_folder_creates_the_folder_and_an_empty_store()
    {
        var nested = Path.Combine(_folder.Path, "node-1", "data", "journal.db");
        using var file = Open(nested);
        Assert.Equal(nested, file.Path);
        Assert.True(File.Exists(nested));
        Assert.Equal(0L, Scalar(file.Connection, "SELECT count(*) FROM journal_highest"));
    }

    [Fact]
    public void A_database_of_another_kind_is_refused_and_not_written_to()
    {
        using (var other = new SqliteConnection($"Data Source={StorePath};Pooling=False"))
        {
            other.Open();
            using var cmd = other.CreateCommand();
            cmd.CommandText = "CREATE TABLE something(x INTEGER)";
            cmd.ExecuteNonQuery();
        }
        var before = File.ReadAllBytes(StorePath);

        var error = Assert.Throws<SqliteStoreCorruptedException>(() => Open(StorePath));
        Assert.Equal("schema", error.Record);
        Assert.Contains(StorePath, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(StorePath));
        Assert.False(File.Exists(StorePath + "-wal"));
    }

    [Fact]
    public void The_snapshot_store_refuses_a_journal_file()
    {
        using (Open(StorePath)) { }
        var error = Assert.Throws<SqliteStoreCorruptedException>(() => SqliteStoreFile.Open(StorePath, SnapshotRecords.Schema, OpenCheck.Quick));
        Assert.Contains(StorePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_open_elsewhere_is_refused_naming_it()
    {
        using var first = Open(StorePath);
        var error = Assert.ThrowsAny<SqliteStoreException>(() => Open(StorePath));
        Assert.Contains(StorePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_page_fails_the_quick_check_naming_the_file()
    {
        using (var file = Open(StorePath))
            for (var i = 0; i < 50; i++) Commit(file, new string('x', 2000) + i, i);
        // Scribble over the b-tree header of the last page (a leaf of the table just filled), as a bad sector would.
        var bytes = File.ReadAllBytes(StorePath);
        for (var i = 0; i < 16; i++) bytes[bytes.Length - 4096 + i] = 0xFF;
        File.WriteAllBytes(StorePath, bytes);

        var error = Assert.Throws<SqliteStoreCorruptedException>(() => Open(StorePath));
        Assert.Contains(StorePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("quick_check", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_write_ahead_log_header_is_refused_naming_the_log()
    {
        var copy = CrashCopyWithCommits(3);
        using (var wal = new FileStream(copy + "-wal", FileMode.Open)) { wal.Position = 12; wal.WriteByte(0x5A); }

        var error = Assert.Throws<SqliteStoreCorruptedException>(() => Open(copy));
        Assert.Contains(copy + "-wal", error.Message, StringComparison.Ordinal);
        Assert.Contains("header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_frame_followed_by_later_commits_is_refused_rather_than_dropping_them()
    {
        var copy = CrashCopyWithCommits(3);
        // The page data of the first frame: 32 bytes of log header, 24 of frame header.
        using (var wal = new FileStream(copy + "-wal", FileMode.Open)) { wal.Position = 32 + 24 + 1000; var b = wal.ReadByte(); wal.Position--; wal.WriteByte((byte)(b ^ 0x10)); }

        var error = Assert.Throws<SqliteStoreCorruptedException>(() => Open(copy));
        Assert.Contains(copy + "-wal", error.Message, StringComparison.Ordinal);
        Assert.Contains("frame 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_torn_write_ahead_log_tail_loses_only_the_unfinished_transaction()
    {
        var copy = CrashCopyWithCommits(3);
        // A crash in the middle of the last transaction's write: its last frame is cut short.
        using (var wal = new FileStream(copy + "-wal", FileMode.Open)) wal.SetLength(wal.Length - 100);

        using var file = Open(copy);
        Assert.Equal(2L, Scalar(file.Connection, "SELECT count(*) FROM journal_highest"));
        Assert.Equal(2L, Scalar(file.Connection, "SELECT max(sequence_nr) FROM journal_highest"));
    }

    [Fact]
    public void A_log_whose_database_file_is_missing_is_refused()
    {
        File.WriteAllBytes(StorePath + "-wal", new byte[4096]);
        var error = Assert.Throws<SqliteStoreCorruptedException>(() => Open(StorePath));
        Assert.Contains(StorePath, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(StorePath));
    }

    /// <summary>
    /// Commits <paramref name="commits"/> transactions and copies the database with its write-ahead log while the
    /// writer still has them open: the files a crash at that moment would leave. Returns the copy's path.
    /// </summary>
    private string CrashCopyWithCommits(int commits)
    {
        var copy = Path.Combine(_folder.Path, "crashed.db");
        using var file = Open(StorePath);
        for (var i = 1; i <= commits; i++) Commit(file, $"p{i}", i);
        Assert.True(new FileInfo(StorePath + "-wal").Length > 32, "the commits should still be in the write-ahead log");
        File.Copy(StorePath, copy);
        File.Copy(StorePath + "-wal", copy + "-wal");
        return copy;
    }

    private static SqliteStoreFile Open(string path) => SqliteStoreFile.Open(path, JournalRecords.Schema, OpenCheck.Quick);

    private static void Commit(SqliteStoreFile file, string pid, long seq)
    {
        using var tx = file.Connection.BeginTransaction();
        using var cmd = file.Connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = JournalRecords.RaiseHighest;
        cmd.Parameters.AddWithValue("$pid", pid);
        cmd.Parameters.AddWithValue("$seq", seq);
        cmd.Parameters.AddWithValue("$crc", JournalRecords.HighestCrc(pid, seq));
        cmd.ExecuteNonQuery();
        tx.Commit();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    public void Dispose() => _folder.Dispose();
}
