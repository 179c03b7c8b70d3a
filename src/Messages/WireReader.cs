namespace RaftActors.Messages;

/// <summary>
/// Reads the codec's primitives from untrusted bytes. Every read is bounds-checked and every
/// declared count or length is checked against what is left of the input before anything is
/// allocated, so a hostile length prefix cannot make the decoder allocate more than the input's size.
/// </summary>
public ref struct WireReader(ReadOnlySpan<byte> input)
{
    private readonly ReadOnlySpan<byte> _input = input;
    private int _position;

    public readonly int Remaining => _input.Length - _position;

    public byte Byte()
    {
        if (_position >= _input.Length) throw Truncated();
        return _input[_position++];
    }

    public bool Bool() => Byte() switch
    {
        0 => false,
        1 => true,
        var b => throw new CodecException($"invalid boolean byte {b} at offset {_position - 1}"),
    };

    public ulong VarUInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            if (shift == 63 && b > 1) throw new CodecException($"varint overflows 64 bits at offset {_position - 1}");
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new CodecException($"varint longer than 10 bytes at offset {_position}");
    }

    /// <summary>A count of items, each at least <paramref name="minItemSize"/> bytes long on the wire.</summary>
    public int Count(int minItemSize, string what)
    {
        var count = VarUInt();
        if (count > (ulong)(Remaining / Math.Max(1, minItemSize)))
        {
            throw new CodecException($"{what} count {count} exceeds what the remaining {Remaining} bytes can hold");
        }
        return (int)count;
    }

    /// <summary>A length-prefixed byte string as a slice of the input, without copying it.</summary>
    public ReadOnlySpan<byte> BytesSpan()
    {
        var (offset, length) = BytesRange();
        return _input.Slice(offset, length);
    }

    /// <summary>Where a length-prefixed byte string lies in the input (offset, length), without copying it.</summary>
    public (int Offset, int Length) BytesRange()
    {
        var length = VarUInt();
        if (length > (ulong)Remaining) throw new CodecException($"declared length {length} exceeds the remaining {Remaining} bytes");
        var offset = _position;
        _position += (int)length;
        return (offset, (int)length);
    }

    public byte[] Bytes()
    {
        var bytes = BytesSpan();
        return bytes.IsEmpty ? [] : bytes.ToArray();
    }

    /// <summary>A length-prefixed UTF-8 string of at most <paramref name="maxBytes"/>, checked to be valid UTF-8, as a slice of the input (no string made).</summary>
    public ReadOnlySpan<byte> Utf8Span(int maxBytes)
    {
        var length = VarUInt();
        if (length > (ulong)maxBytes) throw new CodecException($"string of {length} bytes exceeds the limit of {maxBytes}");
        if (length > (ulong)Remaining) throw new CodecException($"declared length {length} exceeds the remaining {Remaining} bytes");
        var bytes = _input.Slice(_position, (int)length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw new CodecException($"invalid UTF-8 string at offset {_position}");
        _position += (int)length;
        return bytes;
    }

    /// <summary><see cref="Utf8Span"/> as a string: the bytes are valid UTF-8 by then, so nothing is replaced in decoding.</summary>
    public string String(int maxBytes) => System.Text.Encoding.UTF8.GetString(Utf8Span(maxBytes));

    public uint UInt32()
    {
        if (Remaining < 4) throw Truncated();
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_input[_position..]);
        _position += 4;
        return value;
    }

    public ulong[] Ids(string what)
    {
        var count = Count(1, what);
        var ids = new ulong[count];
        for (var i = 0; i < count; i++) ids[i] = VarUInt();
        return ids;
    }

    public readonly void End(string what)
    {
        if (Remaining != 0) throw new CodecException($"{Remaining} unexpected trailing bytes after {what}");
    }

    private readonly CodecException Truncated() => new($"input truncated at offset {_position} of {_input.Length}");
}
