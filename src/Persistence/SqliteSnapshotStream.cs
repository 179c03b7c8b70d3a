using Microsoft.Data.Sqlite;
using RaftActors.Messages;

namespace RaftActors.Persistence;

/// <summary>
/// Reads a stored snapshot payload chunk by chunk through its own connection and read transaction, so at
/// most one chunk is in memory and concurrent saves do not disturb it. Each chunk's checksum is checked as
/// it is loaded, and the whole payload's checksum when the last byte has been read.
/// </summary>
internal sealed class SqliteSnapshotStream : Stream
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SqliteCommand _select;
    private readonly string _path;
    private readonly long _length;
    private readonly uint _expectedCrc;
    private byte[] _chunk = [];
    private int _offset;
    private long _seq;
    private long _position;
    private uint _crc;
    private bool _disposed;

    public SqliteSnapshotStream(SqliteConnection connection, SqliteTransaction transaction, string path, long length, uint expectedCrc)
    {
        _connection = connection;
        _transaction = transaction;
        _path = path;
        _length = length;
        _expectedCrc = expectedCrc;
        _select = connection.CreateCommand();
        _select.Transaction = transaction;
        _select.CommandText = "SELECT data, crc FROM journal_snapshot_chunks WHERE seq = $seq";
        _select.Parameters.Add("$seq", SqliteType.Integer);
    }

    public override bool CanRead => !_disposed;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException("the payload stream cannot seek; JournalSnapshot.Length holds its length");
    public override long Position { get => _position; set => throw new NotSupportedException("the payload stream cannot seek"); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty || _position == _length) return 0;
        if (_offset == _chunk.Length) LoadNextChunk();
        var n = Math.Min(buffer.Length, _chunk.Length - _offset);
        _chunk.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("the payload stream cannot seek");
    public override void SetLength(long value) => throw new NotSupportedException("the payload stream is read-only");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the payload stream is read-only");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _select.Dispose();
            _transaction.Dispose();
            _connection.Dispose();
        }
        base.Dispose(disposing);
    }

    private void LoadNextChunk()
    {
        var record = $"snapshot chunk {_seq}";
        try
        {
            _select.Parameters[0].Value = _seq;
            using var reader = _select.ExecuteReader();
            if (!reader.Read()) throw new JournalCorruptedException(_path, record, "the chunk is missing");
            var data = reader.GetFieldValue<byte[]>(0);
            if (SqliteRecords.ChunkCrc(_seq, data) != (uint)reader.GetInt64(1))
                throw new JournalCorruptedException(_path, record, "checksum mismatch");
            if (data.Length == 0 || _position + data.Length > _length)
                throw new JournalCorruptedException(_path, record, "the chunk does not fit the recorded payload length");
            _crc = Crc32C.Append(_crc, data);
            _chunk = data;
            _offset = 0;
            _seq++;
        }
        catch (SqliteException ex)
        {
            throw new JournalCorruptedException(_path, record, ex.Message, ex);
        }
        if (_position + _chunk.Length == _length && _crc != _expectedCrc)
            throw new JournalCorruptedException(_path, "snapshot payload", "checksum mismatch over the whole payload");
    }
}
