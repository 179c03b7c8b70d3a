using System.Buffers.Binary;
using System.Text;
using RaftActors.Messages;

namespace RaftActors.Persistence.Plugin;

/// <summary>
/// A CRC-32C over every field of a row, keys included, so a damaged byte anywhere in a row is caught, and so is a
/// row that was copied under another persistence id or sequence number. Strings are length-prefixed, so field
/// boundaries cannot shift without changing the checksum.
/// </summary>
internal struct RecordCrc
{
    private uint _crc;

    public RecordCrc Add(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Add(bytes.LongLength);
        _crc = Crc32C.Append(_crc, bytes);
        return this;
    }

    public RecordCrc Add(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        _crc = Crc32C.Append(_crc, bytes);
        return this;
    }

    public RecordCrc Add(ReadOnlySpan<byte> value)
    {
        Add(value.Length);
        _crc = Crc32C.Append(_crc, value);
        return this;
    }

    /// <summary>The checksum as SQLite stores it (an INTEGER column).</summary>
    public readonly long Value => _crc;
}
