using RaftActors.Messages;

namespace RaftActors.Actors.Remote;

/// <summary>
/// What the remote formats need on top of <see cref="WireWriter"/> and <see cref="WireReader"/>: values
/// encoded by <see cref="RaftCodec"/> nested inside ours (length-prefixed, so its end-of-input check holds),
/// fixed 64-bit words, and signed lengths. RaftCodec's element readers are private, hence the nesting.
/// </summary>
internal static class WireExtras
{
    /// <summary>
    /// Reads a length-prefixed nested encoding as a slice of <paramref name="input"/>, without copying, and
    /// moves <paramref name="reader"/> past it. Requires <paramref name="reader"/> to read a suffix of
    /// <paramref name="input"/> (a reader made over it, advanced only by reads and this method), so its
    /// position is <c>input.Length - reader.Remaining</c>.
    /// </summary>
    public static ReadOnlySpan<byte> Nested(ReadOnlySpan<byte> input, ref WireReader reader, string what)
    {
        var length = reader.VarUInt();
        if (length > (ulong)reader.Remaining)
        {
            throw new CodecException($"{what} of {length} bytes exceeds the remaining {reader.Remaining} bytes");
        }
        var start = input.Length - reader.Remaining;
        var end = start + (int)length;
        reader = new WireReader(input[end..]);
        return input[start..end];
    }

    public static void UInt64(this WireWriter writer, ulong value)
    {
        writer.UInt32((uint)value);
        writer.UInt32((uint)(value >> 32));
    }

    public static ulong UInt64(ref WireReader reader)
    {
        ulong low = reader.UInt32();
        ulong high = reader.UInt32();
        return low | (high << 32);
    }

    /// <summary>A non-negative 64-bit signed value (offsets and lengths) as a varint.</summary>
    public static void Length(this WireWriter writer, long value, string what)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value, what);
        writer.VarUInt((ulong)value);
    }

    public static long Length(ref WireReader reader, string what)
    {
        var value = reader.VarUInt();
        if (value > long.MaxValue) throw new CodecException($"{what} {value} exceeds the largest signed 64-bit value");
        return (long)value;
    }

    public static void Version(ref WireReader reader, byte expected, string what)
    {
        var version = reader.Byte();
        if (version != expected) throw new CodecException($"unknown {what} format version {version} (this build reads version {expected})");
    }
}
