using System.Text;
using Microsoft.Data.Sqlite;
using RaftActors.Messages;

namespace RaftActors.Persistence.Tests;

/// <summary>
/// Journal files are untrusted input: damaged or foreign files are refused with an error naming the file and
/// the record, are left as they were, and never turn into an empty journal.
/// </summary>
public sealed class SqliteJournalCorruptionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Path => _folder.JournalPath;

    public void Dispose() => _folder.Dispose();

    private static Entry E(ulong index, ulong term = 1) =>
        new(term, index, EntryType.Normal, Encoding.UTF8.GetBytes($"entry {index} of term {term}".PadRight(200, '.')));

    private void Write(ulong count, Action<IJournal>? more = null)
    {
        using var journal = SqliteJournal.Open(Path);
        for (ulong i = 1; i <= count; i += 100)
            journal.Save(new JournalBatch(Enumerable.Range(0, (int)Math.Min(100, count - i + 1)).Select(k => E(i + (ulong)k)), new HardState(1, 1, 0)));
        more?.Invoke(journal);
    }

    private void RawSql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Flips one byte inside every copy of <paramref name="marker"/> in the file, as bit rot would.</summary>
    private void FlipByteIn(string marker)
    {
        var bytes = File.ReadAllBytes(Path);
        var needle = Encoding.UTF8.GetBytes(marker);
        var found = 0;
        for (var at = bytes.AsSpan().IndexOf(needle); at >= 0;)
        {
            bytes[at + needle.Length - 1] ^= 0x20;
            found++;
            var next = bytes.AsSpan(at + 1).IndexOf(needle);
            at = next < 0 ? -1 : at + 1 + next;
        }
        Assert.True(found > 0, $"'{marker}' is not in the file");
        File.WriteAllBytes(Path, bytes);
    }

    private JournalCorruptedException AssertRefused(string record)
    {
        var ex = Assert.Throws<JournalCorruptedException>(() => SqliteJournal.Open(Path).Dispose());
        Assert.Equal(Path, ex.Path);
        Assert.Contains(Path, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith(record, ex.Record, StringComparison.Ordinal);
        return ex;
    }

    [Fact]
    public void A_flipped_byte_in_a_recent_entry_is_refused_on_open_naming_the_file_and_the_entry()
    {
        Write(100);
        FlipByteIn("entry 42 of term 1");
        var ex = AssertRefused("entry 42");
        Assert.Equal($"entry 42 in {Path}: checksum mismatch", ex.Message);
    }

    [Fact]
    public void A_flipped_byte_in_an_old_entry_is_reported_when_it_is_read()
    {
        Write(SqliteJournal.VerifiedTailEntries + 100);
        FlipByteIn("entry 5 of term 1");
        using var journal = SqliteJournal.Open(Path);
        Assert.Equal(4, journal.Entries(1, 5).Count);
        var ex = Assert.Throws<JournalCorruptedException>(() => journal.Entries(1, 10));
        Assert.Equal(("entry 5", Path), (ex.Record, ex.Path));
        Assert.Throws<JournalCorruptedException>(() => journal.Term(5));
    }

    [Fact]
    public void A_corrupted_hard_state_is_refused_on_open()
    {
        Write(10);
        RawSql("UPDATE journal_state SET data = x'0103020202' WHERE name = 'hard_state'");
        Assert.Contains("checksum mismatch", AssertRefused("hard state").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupted_snapshot_record_is_refused_on_open()
    {
        Write(10, j => j.Save(JournalBatch.Empty.WithSnapshot(new Snapshot(new SnapshotMetadata(5, 1, new ConfState([1])), [1, 2]))));
        RawSql("UPDATE journal_state SET crc = crc + 1 WHERE name = 'snapshot'");
        AssertRefused("snapshot metadata");
    }

    [Fact]
    public void A_missing_snapshot_chunk_is_refused_on_open()
    {
        Write(10, j => j.Save(JournalBatch.Empty.WithSnapshot(new Snapshot(new SnapshotMetadata(5, 1, ConfState.Empty), [1, 2]))));
        RawSql("DELETE FROM journal_snapshot_chunks");
        AssertRefused("snapshot payload");
    }

    [Fact]
    public void A_corrupted_snapshot_chunk_is_reported_when_it_is_read()
    {
        var payload = new byte[(2 * 1024 * 1024) + 10];
        Write(10, j => j.Save(JournalBatch.Empty.WithSnapshot(new Snapshot(new SnapshotMetadata(5, 1, ConfState.Empty), payload))));
        RawSql("UPDATE journal_snapshot_chunks SET data = randomblob(length(data)) WHERE seq = 1");
        using var journal = SqliteJournal.Open(Path);
        using var snapshot = journal.OpenSnapshot();
        var ex = Assert.Throws<JournalCorruptedException>(() => snapshot!.ReadAllBytes());
        Assert.Equal("snapshot chunk 1", ex.Record);
    }

    [Fact]
    public void A_gap_in_the_log_is_refused_on_open()
    {
        Write(100);
        RawSql("DELETE FROM journal_entries WHERE idx = 50");
        Assert.Contains("gaps", AssertRefused("entries 1..100").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_schema_version_row_is_refused()
    {
        Write(3);
        RawSql("DELETE FROM journal_schema");
        Assert.Contains("schema version row is missing", AssertRefused("schema").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_schema_version_is_refused()
    {
        Write(3);
        RawSql("UPDATE journal_schema SET version = 99");
        Assert.Contains("unknown schema version 99", AssertRefused("schema").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sqlite_database_that_is_not_a_journal_is_refused_and_left_unchanged()
    {
        RawSql("CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER); INSERT INTO accounts VALUES(1, 100);");
        var before = File.ReadAllBytes(Path);
        AssertRefused("schema");
        Assert.Equal(before, File.ReadAllBytes(Path));
    }

    [Fact]
    public void A_file_of_garbage_bytes_is_refused_and_left_unchanged()
    {
        var garbage = new byte[64 * 1024];
        new Random(42).NextBytes(garbage);
        File.WriteAllBytes(Path, garbage);
        var ex = AssertRefused("database");
        Assert.Contains("not a database", ex.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(Path));
    }

    [Fact]
    public void An_empty_file_is_refused_rather_than_started_as_a_new_journal()
    {
        File.WriteAllBytes(Path, []);
        AssertRefused("schema");
        Assert.Equal(0, new FileInfo(Path).Length);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4096)]
    [InlineData(1)]
    public void A_truncated_database_file_is_refused(int cut)
    {
        Write(3000);
        using (var file = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite))
            file.SetLength(cut == 2 ? file.Length / 2 : file.Length - cut);
        Assert.Contains("truncated", AssertRefused("database").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_file_missing_beside_its_write_ahead_log_is_refused()
    {
        File.WriteAllBytes(Path + "-wal", [1, 2, 3]);
        AssertRefused("database");
        Assert.False(File.Exists(Path));
    }

    [Fact]
    public void A_torn_write_ahead_log_recovers_to_the_last_whole_save()
    {
        var copy = System.IO.Path.Combine(_folder.Path, "copy.db");
        using (var journal = SqliteJournal.Open(Path))
        {
            for (ulong i = 1; i <= 40; i++) journal.Save(new JournalBatch([E(i)], new HardState(1, 1, i - 1)));
            // Copy the files as a crash would leave them: the saves are in the WAL, not yet checkpointed.
            File.Copy(Path, copy);
            File.Copy(Path + "-wal", copy + "-wal");
        }
        using (var wal = new FileStream(copy + "-wal", FileMode.Open, FileAccess.ReadWrite))
            wal.SetLength(wal.Length - 100);
        using var recovered = SqliteJournal.Open(copy);
        var last = recovered.LastIndex;
        Assert.InRange(last, 1ul, 39ul);
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => E((ulong)i)), recovered.Entries(1, last + 1));
        Assert.Equal(new HardState(1, 1, last - 1), recovered.State.HardState);
        recovered.Save(new JournalBatch([E(last + 1)]));
    }

    [Fact]
    public void A_failed_write_throws_and_the_journal_then_refuses_all_use()
    {
        using (var journal = SqliteJournal.Open(Path))
        {
            journal.Save(new JournalBatch([E(1), E(2)]));
            // A trigger makes the next insert fail inside SQLite, as a full or failing disk would.
            RawSql("CREATE TRIGGER fail_inserts BEFORE INSERT ON journal_entries BEGIN SELECT RAISE(FAIL, 'simulated disk failure'); END;");
            var ex = Assert.Throws<JournalWriteException>(() => journal.Save(new JournalBatch([E(3)], new HardState(2, 2, 2))));
            Assert.Contains(Path, ex.Message, StringComparison.Ordinal);
            Assert.IsType<SqliteException>(ex.InnerException);
            Assert.Throws<JournalWriteException>(() => journal.LastIndex);
            Assert.Throws<JournalWriteException>(() => journal.Entries(1, 2));
        }
        RawSql("DROP TRIGGER fail_inserts");
        using var reopened = SqliteJournal.Open(Path);
        Assert.Equal(2ul, reopened.LastIndex);
        Assert.Equal(HardState.Empty, reopened.State.HardState);
    }

    [Fact]
    public void Opening_in_a_missing_folder_creates_the_folder_and_an_empty_journal()
    {
        var nested = System.IO.Path.Combine(_folder.Path, "node-1", "data", "journal.db");
        using var journal = SqliteJournal.Open(nested);
        Assert.Equal(nested, journal.Path);
        Assert.Equal(0ul, journal.LastIndex);
        Assert.True(File.Exists(nested));
    }
}
