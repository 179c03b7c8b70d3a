using System.Buffers;
using System.Buffers.Binary;

namespace RaftActors.Messages;

/// <summary>Appends the codec's primitives (LEB128 varints, length-prefixed bytes) to a buffer writer.</summary>
public readonly struct WireWriter(IBufferWriter<byte> output)
{
    public void Byte(byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void VarUInt(ulong value)
    {
        var span = output.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        output.Advance(n);
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        VarUInt((ulong)value.Length);
        output.Write(value);
    }

    /// <summary>
    /// A nested encoding behind its length, like <see cref="Bytes"/>: <paramref name="encode"/> writes it into a rented
    /// buffer (<see cref="EncodeBuffers"/>), so the nested value gets no array of its own.
    /// </summary>
    public void Nested<T>(T value, Action<T, IBufferWriter<byte>> encode)
    {
        var buffer = EncodeBuffers.Rent();
        encode(value, buffer);
        Bytes(buffer.WrittenSpan);
        EncodeBuffers.Return(buffer);
    }

    /// <summary>UTF-8, length-prefixed like <see cref="Bytes"/>, encoded straight into the output.</summary>
    public void String(string value)
    {
        var length = System.Text.Encoding.UTF8.GetByteCount(value);
        VarUInt((ulong)length);
        var written = System.Text.Encoding.UTF8.GetBytes(value, output.GetSpan(length));
        output.Advance(written);
    }

    public void UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    public void Ids(IReadOnlyList<ulong> ids)
    {
        VarUInt((ulong)ids.Count);
        foreach (var id in ids) VarUInt(id);
    }
}
