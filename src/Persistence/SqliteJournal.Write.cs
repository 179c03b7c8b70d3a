using System.Runtime.ExceptionServices;
using Microsoft.Data.Sqlite;
using RaftActors.Messages;

namespace RaftActors.Persistence;

public sealed partial class SqliteJournal
{
    public void Save(JournalBatch batch)
    {
        lock (_gate)
        {
            CheckUsable();
            var plan = _view.Plan(batch, StoredTerm);
            if (plan.Snapshot is null && plan.Entries.Count == 0 && plan.HardState is null) return;
            InTransaction("saving a batch", payloadFailed =>
            {
                if (plan.Snapshot is not null) WriteSnapshot(plan.Snapshot, batch.OpenSnapshotPayload(), payloadFailed);
                if (plan.DiscardLog)
                {
                    _sql.DeleteFrom.Parameters[0].Value = 0L;
                    ExecuteNonQuery(_sql.DeleteFrom);
                    PutState(SqliteRecords.LogBaseRow, SqliteRecords.EncodeBase(plan.Base));
                }
                if (plan.TruncateFrom is { } from)
                {
                    _sql.DeleteFrom.Parameters[0].Value = (long)from;
                    ExecuteNonQuery(_sql.DeleteFrom);
                }
                var insert = _sql.InsertEntry;
                foreach (var e in plan.Entries)
                {
                    var data = RaftCodec.Encode(e);
                    insert.Parameters[0].Value = (long)e.Index;
                    insert.Parameters[1].Value = (long)e.Term;
                    insert.Parameters[2].Value = data;
                    insert.Parameters[3].Value = (long)Crc32C.Compute(data);
                    ExecuteNonQuery(insert);
                }
                if (plan.HardState is { } hs) PutState(SqliteRecords.HardStateRow, RaftCodec.Encode(hs));
                return 0;
            });
            _view.Apply(plan);
        }
    }

    public void Compact(ulong upToIndex)
    {
        lock (_gate)
        {
            CheckUsable();
            if (_view.PlanCompaction(upToIndex, StoredTerm) is not { } newBase) return;
            InTransaction("compacting the log", _ =>
            {
                _sql.DeleteUpTo.Parameters[0].Value = (long)newBase.Index;
                ExecuteNonQuery(_sql.DeleteUpTo);
                PutState(SqliteRecords.LogBaseRow, SqliteRecords.EncodeBase(newBase));
                return 0;
            });
            _view.ApplyCompaction(newBase);
        }
    }

    public void SetMeta(string key, ReadOnlySpan<byte> value)
    {
        JournalView.CheckMetaKey(key);
        JournalView.CheckMetaValue(value);
        var copy = value.ToArray();
        lock (_gate)
        {
            CheckUsable();
            InTransaction("storing metadata", _ =>
            {
                _sql.PutMeta.Parameters[0].Value = key;
                _sql.PutMeta.Parameters[1].Value = copy;
                _sql.PutMeta.Parameters[2].Value = (long)SqliteRecords.KeyedCrc("meta:" + key, copy);
                return ExecuteNonQuery(_sql.PutMeta);
            });
        }
    }

    public bool RemoveMeta(string key)
    {
        JournalView.CheckMetaKey(key);
        lock (_gate)
        {
            CheckUsable();
            return InTransaction("removing metadata", _ =>
            {
                _sql.DeleteMeta.Parameters[0].Value = key;
                return ExecuteNonQuery(_sql.DeleteMeta);
            }) > 0;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> in one transaction and commits it durably. A failure of the disk (or of
    /// SQLite) poisons the journal: after a failed write or fsync what is on disk is unknown, so the only
    /// safe answer is to stop. A failure of the caller's snapshot stream, rolled back cleanly, changes
    /// nothing and is rethrown as it is.
    /// </summary>
    private int InTransaction(string what, Func<PayloadFailure, int> body)
    {
        var payloadFailed = new PayloadFailure();
        SqliteTransaction? tx = null;
        try
        {
            tx = _connection.BeginTransaction();
            _transaction = tx;
            var result = body(payloadFailed);
            tx.Commit();
            return result;
        }
        catch (Exception ex) when (ex is not JournalException)
        {
            var rolledBack = TryRollback(tx);
            if (payloadFailed.Error is { } payloadError && rolledBack) payloadError.Throw();
            _failure = new JournalWriteException($"{what} in the journal {Path} failed; nothing of it may be treated as durable: {ex.Message}", ex);
            throw _failure;
        }
        finally
        {
            _transaction = null;
            tx?.Dispose();
        }
    }

    private static bool TryRollback(SqliteTransaction? tx)
    {
        if (tx is null) return true;
        try
        {
            tx.Rollback();
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // Already completed (the failure was in Commit): the state on disk is unknown.
            return false;
        }
    }

    /// <summary>Streams the payload into chunk rows and records its length and checksum with the metadata.</summary>
    private void WriteSnapshot(SnapshotMetadata metadata, Stream payload, PayloadFailure payloadFailed)
    {
        ExecuteNonQuery(_sql.DeleteChunks);
        var buffer = new byte[SnapshotChunkBytes];
        long length = 0;
        uint payloadCrc = 0;
        for (long seq = 0; ; seq++)
        {
            var filled = Fill(payload, buffer, payloadFailed);
            if (filled == 0) break;
            var chunk = filled == buffer.Length ? buffer : buffer.AsSpan(0, filled).ToArray();
            var insert = _sql.InsertChunk;
            insert.Parameters[0].Value = seq;
            insert.Parameters[1].Value = chunk;
            insert.Parameters[2].Value = (long)SqliteRecords.ChunkCrc(seq, chunk);
            ExecuteNonQuery(insert);
            length += filled;
            payloadCrc = Crc32C.Append(payloadCrc, chunk);
            if (filled < buffer.Length) break;
        }
        PutState(SqliteRecords.SnapshotRow, SqliteRecords.EncodeSnapshot(metadata, length, payloadCrc));
    }

    private static int Fill(Stream payload, byte[] buffer, PayloadFailure payloadFailed)
    {
        try
        {
            return payload.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (Exception ex)
        {
            payloadFailed.Error = ExceptionDispatchInfo.Capture(ex);
            throw;
        }
    }

    private void PutState(string name, byte[] data)
    {
        var cmd = _sql.PutState;
        cmd.Parameters[0].Value = name;
        cmd.Parameters[1].Value = data;
        cmd.Parameters[2].Value = (long)SqliteRecords.KeyedCrc(name, data);
        ExecuteNonQuery(cmd);
    }

    /// <summary>Marks an exception as thrown by the caller's payload stream rather than by the disk.</summary>
    private sealed class PayloadFailure
    {
        public ExceptionDispatchInfo? Error { get; set; }
    }
}
