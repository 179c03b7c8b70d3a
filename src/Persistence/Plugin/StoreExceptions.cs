namespace RaftActors.Persistence.Plugin;

/// <summary>The base of every error of the SQLite journal and snapshot-store plugins; the message names the file.</summary>
public class SqliteStoreException : Exception
{
    public SqliteStoreException(string path, string message, Exception? inner = null)
        : base(message, inner)
    {
        Path = path;
    }

    /// <summary>The database file the error is about.</summary>
    public string Path { get; }
}

/// <summary>
/// Stored bytes are not what was written: a checksum mismatch, an unknown schema, a file that is not a database,
/// a damaged page or write-ahead log. The message names the file and the record. The plugin never yields data it
/// could not verify and never starts empty over a file it cannot read.
/// </summary>
public sealed class SqliteStoreCorruptedException : SqliteStoreException
{
    public SqliteStoreCorruptedException(string path, string record, string problem, Exception? inner = null)
        : base(path, $"{record} in {path}: {problem}", inner ?? new InvalidDataException(problem))
    {
        Record = record;
    }

    /// <summary>Which record is bad, e.g. "event 'raft-1-2' #42", "schema", "write-ahead log".</summary>
    public string Record { get; }
}

/// <summary>
/// A write could not be made durable (I/O error, full disk, failed fsync). After such a failure what is on disk is
/// unknown, so the store refuses every later call until it is restarted (fail-stop).
/// </summary>
public sealed class SqliteStoreFailedException : SqliteStoreException
{
    public SqliteStoreFailedException(string path, string message, Exception inner) : base(path, message, inner) { }
}
