using Microsoft.Data.Sqlite;

namespace RaftActors.Persistence.Plugin;

/// <summary>
/// One request to a store's worker. It runs inside the worker's current transaction, within its own savepoint,
/// and its caller hears the outcome only after that transaction has committed, that is after the fsync.
/// </summary>
internal abstract class StoreJob
{
    protected StoreJob(CancellationToken cancellation) => Cancellation = cancellation;

    public CancellationToken Cancellation { get; }

    /// <summary>Does the work on the writing connection; see <see cref="StoreWorker"/> for which errors stay local.</summary>
    public abstract void Execute(StoreSession session);

    /// <summary>Reports the outcome recorded by <see cref="Execute"/> (a result or a local error) to the caller.</summary>
    public abstract void Complete();

    /// <summary>Records an error that fails this job only; reported by <see cref="Complete"/>.</summary>
    public abstract void FailLocally(Exception error);

    /// <summary>Reports a failure of the whole batch (or a cancellation) at once.</summary>
    public abstract void Fail(Exception error);
}

/// <summary>A job whose body returns a value to its caller.</summary>
internal sealed class StoreJob<T> : StoreJob
{
    private readonly Func<StoreSession, T> _body;
    private readonly TaskCompletionSource<T> _outcome;
    private T? _result;
    private Exception? _localError;

    /// <param name="completeInline">Whether continuations may run on the thread that completes the job (the store's
    /// worker); see <see cref="StoreWorker.Enqueue{T}(Func{StoreSession, T}, bool, CancellationToken)"/>.</param>
    public StoreJob(Func<StoreSession, T> body, bool completeInline, CancellationToken cancellation) : base(cancellation)
    {
        _body = body;
        _outcome = new(completeInline ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public Task<T> Task => _outcome.Task;

    public override void Execute(StoreSession session) => _result = _body(session);

    public override void Complete()
    {
        if (_localError is not null) _outcome.TrySetException(_localError);
        else _outcome.TrySetResult(_result!);
    }

    public override void FailLocally(Exception error) => _localError = error;

    public override void Fail(Exception error)
    {
        if (error is OperationCanceledException) _outcome.TrySetCanceled(Cancellation);
        else _outcome.TrySetException(error);
    }
}

/// <summary>What a job sees: the file, the open transaction and the prepared statements of the writing connection.</summary>
internal sealed class StoreSession : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    public StoreSession(SqliteStoreFile file) => File = file;

    public SqliteStoreFile File { get; }

    public SqliteTransaction? Transaction { get; set; }

    /// <summary>A statement compiled once per connection and reused; its parameters are named in the SQL.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_prepared.TryGetValue(sql, out var cmd))
        {
            cmd = File.Connection.CreateCommand();
#pragma warning disable CA2100 // Constant SQL of the plugin; values always go through parameters.
            cmd.CommandText = sql;
#pragma warning restore CA2100
            _prepared.Add(sql, cmd);
        }
        cmd.Transaction = Transaction;
        return cmd;
    }

    /// <summary>
    /// <see cref="Command(string)"/> with its parameters made once, in the order of <paramref name="names"/> (a hot
    /// statement then only sets values): <c>Parameters[i]</c> is <c>names[i]</c>.
    /// </summary>
    public SqliteCommand Command(string sql, string[] names)
    {
        var cmd = Command(sql);
        if (cmd.Parameters.Count != names.Length)
        {
            cmd.Parameters.Clear();
            foreach (var name in names) cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        return cmd;
    }

    public void Dispose()
    {
        foreach (var cmd in _prepared.Values) cmd.Dispose();
        _prepared.Clear();
    }
}
