using Microsoft.Data.Sqlite;
using RaftActors.Persistence.Plugin;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>
/// The group commit under the plugins: jobs that queue while a transaction commits share the next one; a job's own
/// error fails that job only; a failure of the file fails the whole batch and everything after it.
/// </summary>
public sealed class StoreWorkerTests : IDisposable
{
    private const int SqliteIoError = 10;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TempFolder _folder = new();
    private readonly SqliteStoreFile _file;
    private readonly StoreWorker _worker;

    public StoreWorkerTests()
    {
        _file = SqliteStoreFile.Open(Path.Combine(_folder.Path, "worker.db"), JournalRecords.Schema, OpenCheck.Quick);
        _worker = new StoreWorker(_file, "test-worker");
    }

    [Fact]
    public async Task Jobs_queued_during_a_commit_share_the_next_transaction()
    {
        using var release = new ManualResetEventSlim();
        var blocker = BlockWorker(release);
        var queued = Enumerable.Range(1, 10).Select(i => _worker.Enqueue(s => Raise(s, $"p{i}", i))).ToList();
        release.Set();
        await blocker.WaitAsync(Timeout);
        await Task.WhenAll(queued).WaitAsync(Timeout);

        Assert.Equal((2L, 11L), _worker.Counts);
        Assert.Equal(10L, await _worker.Enqueue(s => Count(s)));
    }

    [Fact]
    public async Task A_job_that_breaks_a_constraint_fails_alone_and_its_writes_are_rolled_back()
    {
        using var release = new ManualResetEventSlim();
        var blocker = BlockWorker(release);
        var before = _worker.Enqueue(s => Raise(s, "a", 1));
        var breaking = _worker.Enqueue(s =>
        {
            Raise(s, "b", 1);
            var cmd = s.Command("INSERT INTO journal_highest(persistence_id, sequence_nr, crc) VALUES('a', 1, 0)");
            return cmd.ExecuteNonQuery();
        });
        var after = _worker.Enqueue(s => Raise(s, "c", 1));
        release.Set();
        await blocker.WaitAsync(Timeout);

        await before.WaitAsync(Timeout);
        await after.WaitAsync(Timeout);
        var error = await Assert.ThrowsAsync<SqliteException>(() => breaking.WaitAsync(Timeout));
        Assert.Equal(19, error.SqliteErrorCode);
        Assert.Equal(2L, await _worker.Enqueue(s => Count(s)));
        Assert.Equal(0L, await _worker.Enqueue(s => Count(s, "b")));
    }

    [Fact]
    public async Task A_job_alone_in_its_transaction_that_breaks_a_constraint_fails_alone_and_its_writes_are_rolled_back()
    {
        // Without a savepoint (the job is the only one of its transaction): the whole transaction is rolled back.
        await _worker.Enqueue(s => Raise(s, "a", 1)).WaitAsync(Timeout);
        var breaking = _worker.Enqueue(s =>
        {
            Raise(s, "b", 1);
            var cmd = s.Command("INSERT INTO journal_highest(persistence_id, sequence_nr, crc) VALUES('a', 1, 0)");
            return cmd.ExecuteNonQuery();
        });
        var error = await Assert.ThrowsAsync<SqliteException>(() => breaking.WaitAsync(Timeout));
        Assert.Equal(19, error.SqliteErrorCode);

        // The store goes on: the next job commits, and nothing of the failed one was kept.
        await _worker.Enqueue(s => Raise(s, "c", 1)).WaitAsync(Timeout);
        Assert.Equal(2L, await _worker.Enqueue(s => Count(s)));
        Assert.Equal(0L, await _worker.Enqueue(s => Count(s, "b")));
        // Committed: "a", "c" and the two counting jobs; the rolled-back transaction is not counted as a commit.
        Assert.Equal(4L, _worker.Counts.Commits);
    }

    [Fact]
    public async Task A_failure_of_the_file_fails_the_whole_batch_and_every_later_job()
    {
        using var release = new ManualResetEventSlim();
        var blocker = BlockWorker(release);
        var sameBatch = _worker.Enqueue(s => Raise(s, "a", 1));
        var failing = _worker.Enqueue<int>(_ => throw new SqliteException("disk I/O error", SqliteIoError));
        release.Set();
        await blocker.WaitAsync(Timeout);

        var batchError = await Assert.ThrowsAsync<SqliteStoreFailedException>(() => sameBatch.WaitAsync(Timeout));
        Assert.Contains(_file.Path, batchError.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SqliteStoreFailedException>(() => failing.WaitAsync(Timeout));
        var later = await Assert.ThrowsAsync<SqliteStoreFailedException>(() => _worker.Enqueue(s => Raise(s, "b", 1)).WaitAsync(Timeout));
        Assert.Same(batchError, later);

        // Nothing of the failed batch reached the file.
        using var reader = _file.OpenReader();
        using var cmd = reader.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM journal_highest";
        Assert.Equal(0L, cmd.ExecuteScalar());
    }

    [Fact]
    public async Task A_job_cancelled_before_its_transaction_is_not_run()
    {
        using var release = new ManualResetEventSlim();
        var blocker = BlockWorker(release);
        using var cancel = new CancellationTokenSource();
        var cancelled = _worker.Enqueue(s => Raise(s, "a", 1), cancel.Token);
        await cancel.CancelAsync();
        release.Set();
        await blocker.WaitAsync(Timeout);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Timeout));
        Assert.Equal(0L, await _worker.Enqueue(s => Count(s)));
    }

    [Fact]
    public async Task Jobs_after_stop_fail_naming_the_file()
    {
        _worker.Dispose();
        var error = await Assert.ThrowsAsync<SqliteStoreException>(() => _worker.Enqueue(s => Count(s)).WaitAsync(Timeout));
        Assert.Contains(_file.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_queued_to_complete_inline_continues_on_the_worker_and_others_on_the_pool()
    {
        using var release = new ManualResetEventSlim();
        var blocker = BlockWorker(release);
        // Queued behind the blocker, so both continuations are attached before their jobs complete.
        var inline = ThreadThatContinues(_worker.Enqueue(s => Raise(s, "i", 1), completeInline: true, CancellationToken.None));
        var pooled = ThreadThatContinues(_worker.Enqueue(s => Raise(s, "p", 1)));
        release.Set();
        await blocker.WaitAsync(Timeout);

        Assert.Equal(("test-worker", false), await inline.WaitAsync(Timeout));
        var (name, onPool) = await pooled.WaitAsync(Timeout);
        Assert.True(onPool, $"continued on {name}");
    }

    [Fact]
    public async Task A_journal_write_completes_on_the_worker_after_its_commit()
    {
        using var release = new ManualResetEventSlim();
        var blocker = BlockWorker(release);
        var row = new EventRow("w", 1, 0, "", 1, "m", [1, 2, 3], "writer");
        var written = SqliteEventJournal.WriteRows(_worker, [[row]], null!, CancellationToken.None);
        var continued = ThreadThatContinues(written);
        release.Set();
        await blocker.WaitAsync(Timeout);

        Assert.Equal(("test-worker", false), await continued.WaitAsync(Timeout));
        Assert.Null(await written);
        Assert.Equal(1L, await _worker.Enqueue(s => (long)s.Command("SELECT COUNT(*) FROM journal_events WHERE persistence_id = 'w'").ExecuteScalar()!));
    }

    [Fact]
    public async Task A_job_refused_by_a_stopped_worker_fails_even_when_queued_to_complete_inline()
    {
        _worker.Dispose();
        var refused = _worker.Enqueue(_ => 1, completeInline: true, CancellationToken.None);
        var error = await Assert.ThrowsAsync<SqliteStoreException>(() => refused.WaitAsync(Timeout));
        Assert.Contains("stopped", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The name of the thread a synchronous continuation of <paramref name="job"/> ran on, and whether it was a pool thread.</summary>
    private static Task<(string? Name, bool Pooled)> ThreadThatContinues<T>(Task<T> job) =>
        job.ContinueWith(_ => (Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Occupies the worker with a job that waits for <paramref name="release"/>, so the next jobs queue up.</summary>
    private Task BlockWorker(ManualResetEventSlim release)
    {
        using var started = new ManualResetEventSlim();
        var blocker = _worker.Enqueue(_ =>
        {
            started.Set();
            release.Wait(Timeout);
            return 0;
        });
        Assert.True(started.Wait(Timeout), "the worker did not start the blocking job");
        return blocker;
    }

    private static int Raise(StoreSession session, string pid, long seq)
    {
        var cmd = session.Command(JournalRecords.RaiseHighest);
        cmd.Parameters.Clear();
        cmd.Parameters.AddWithValue("$pid", pid);
        cmd.Parameters.AddWithValue("$seq", seq);
        cmd.Parameters.AddWithValue("$crc", JournalRecords.HighestCrc(pid, seq));
        return cmd.ExecuteNonQuery();
    }

    private static long Count(StoreSession session, string? pid = null)
    {
        var cmd = session.Command("SELECT count(*) FROM journal_highest WHERE $pid IS NULL OR persistence_id = $pid");
        cmd.Parameters.Clear();
        cmd.Parameters.AddWithValue("$pid", (object?)pid ?? DBNull.Value);
        return (long)cmd.ExecuteScalar()!;
    }

    public void Dispose()
    {
        _worker.Dispose();
        _file.Dispose();
        _folder.Dispose();
    }
}
