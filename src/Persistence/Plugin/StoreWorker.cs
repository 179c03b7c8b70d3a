using Microsoft.Data.Sqlite;

namespace RaftActors.Persistence.Plugin;

/// <summary>
/// The one thread that writes a store file, and its group commit. Jobs queue up while a transaction commits; the
/// next transaction takes everything queued, runs the jobs in arrival order, each in its own savepoint, and commits
/// once: one fsync for the whole batch, however many callers it holds. Callers hear their outcome after the commit.
/// <para>
/// A job's own error (a checksum mismatch it read, a constraint it broke, a bug in its body) rolls back its
/// savepoint and fails that job only. Any other SQLite error, or a failed commit, fails the whole batch and the
/// worker refuses every later job: after a failed write or fsync what is on disk is unknown, so the node must stop.
/// </para>
/// </summary>
internal sealed class StoreWorker : IDisposable
{
    private const int SqliteConstraint = 19;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly SqliteStoreFile _file;
    private readonly Queue<StoreJob> _queue = new();
    private readonly Thread _thread;
    private bool _stopping;
    private Exception? _failure;
    private long _commits;
    private long _jobs;

    public StoreWorker(SqliteStoreFile file, string name)
    {
        _file = file;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>How many transactions committed, and how many jobs they held; for tests of the group commit.</summary>
    public (long Commits, long Jobs) Counts => (Interlocked.Read(ref _commits), Interlocked.Read(ref _jobs));

    /// <summary>
    /// Queues <paramref name="body"/> for the next transaction; the task completes after it committed. Its
    /// continuations run on the thread pool, never on this worker.
    /// </summary>
    public Task<T> Enqueue<T>(Func<StoreSession, T> body, CancellationToken cancellation = default) => Enqueue(body, false, cancellation);

    /// <summary>
    /// As <see cref="Enqueue{T}(Func{StoreSession, T}, CancellationToken)"/>; with <paramref name="completeInline"/>
    /// the task completes on this worker's thread right after the commit, and continuations that ask to run
    /// synchronously run there. For the journal's writes: Akka.Persistence's own continuation only passes the
    /// outcome on to an actor, and running it here saves a hand-off to the thread pool on every write, on the path
    /// of every acknowledgement. Only code that never blocks may continue a job queued this way: it holds up the
    /// next group commit.
    /// </summary>
    public Task<T> Enqueue<T>(Func<StoreSession, T> body, bool completeInline, CancellationToken cancellation)
    {
        var job = new StoreJob<T>(body, completeInline, cancellation);
        Exception? refusal;
        lock (_queue)
        {
            refusal = _failure ?? (_stopping ? new SqliteStoreException(_file.Path, $"the store {_file.Path} is stopped") : null);
            if (refusal is null)
            {
                _queue.Enqueue(job);
                Monitor.Pulse(_queue);
            }
        }
        // Outside the lock: an inline continuation runs inside Fail.
        if (refusal is not null) job.Fail(refusal);
        return job.Task;
    }

    /// <summary>Lets the queued jobs finish, then stops the thread; jobs queued afterwards fail.</summary>
    public void Dispose()
    {
        lock (_queue)
        {
            _stopping = true;
            Monitor.Pulse(_queue);
        }
        // A disk that hangs must not hang the actor system's shutdown for ever; the file is closed by its owner.
        _thread.Join(StopTimeout);
    }

    private void Run()
    {
        using var session = new StoreSession(_file);
        while (Take() is { } batch)
        {
            if (_failure is { } failure)
            {
                foreach (var job in batch) job.Fail(failure);
                continue;
            }
            RunBatch(session, batch);
        }
    }

    private List<StoreJob>? Take()
    {
        lock (_queue)
        {
            while (_queue.Count == 0 && !_stopping) Monitor.Wait(_queue);
            if (_queue.Count == 0) return null;
            var batch = new List<StoreJob>(_queue);
            _queue.Clear();
            return batch;
        }
    }

    private void RunBatch(StoreSession session, List<StoreJob> batch)
    {
        var live = new List<StoreJob>(batch.Count);
        foreach (var job in batch)
        {
            if (job.Cancellation.IsCancellationRequested) job.Fail(new OperationCanceledException(job.Cancellation));
            else live.Add(job);
        }
        if (live.Count == 0) return;
        SqliteTransaction? tx = null;
        var committed = true;
        try
        {
            tx = _file.Connection.BeginTransaction();
            session.Transaction = tx;
            if (live.Count == 1)
            {
                // Alone in its transaction, a job needs no savepoint of its own: a local error rolls back the whole.
                if (RunAlone(session, live[0])) tx.Commit();
                else
                {
                    tx.Rollback();
                    committed = false;
                }
            }
            else
            {
                foreach (var job in live) RunInSavepoint(tx, session, job);
                tx.Commit();
            }
        }
        catch (Exception ex)
        {
            TryRollback(tx);
            var failure = new SqliteStoreFailedException(_file.Path,
                $"a write to {_file.Path} failed; nothing of it may be treated as durable, and the store refuses further use: {ex.Message}", ex);
            lock (_queue) _failure = failure;
            foreach (var job in live) job.Fail(failure);
            return;
        }
        finally
        {
            session.Transaction = null;
            tx?.Dispose();
        }
        if (committed)
        {
            Interlocked.Increment(ref _commits);
            Interlocked.Add(ref _jobs, live.Count);
        }
        foreach (var job in live) job.Complete();
    }

    /// <summary>Runs the only job of a transaction; false when it failed locally (the caller rolls back).</summary>
    private static bool RunAlone(StoreSession session, StoreJob job)
    {
        try
        {
            job.Execute(session);
            return true;
        }
        catch (Exception ex) when (IsLocal(ex))
        {
            job.FailLocally(ex);
            return false;
        }
    }

    private static void RunInSavepoint(SqliteTransaction tx, StoreSession session, StoreJob job)
    {
        tx.Save("job");
        try
        {
            job.Execute(session);
        }
        catch (Exception ex) when (IsLocal(ex))
        {
            tx.Rollback("job");
            tx.Release("job");
            job.FailLocally(ex);
            return;
        }
        tx.Release("job");
    }

    /// <summary>Errors that concern one job; everything else from SQLite is a failure of the file.</summary>
    private static bool IsLocal(Exception ex) => ex switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteConstraint,
        SqliteStoreCorruptedException => true,
        SqliteStoreException => false,
        _ => true,
    };

    private static void TryRollback(SqliteTransaction? tx)
    {
        try
        {
            tx?.Rollback();
        }
        catch (SqliteException)
        {
            // The transaction is gone with the failure; the store is poisoned either way.
        }
        catch (InvalidOperationException)
        {
            // Already completed: the failure was in Commit.
        }
    }
}
