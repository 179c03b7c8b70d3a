using System.Buffers.Binary;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The request context of a ReadIndex read. The leader keeps one pending read per context and drops a read whose
/// context is pending already, so a context must be unique across every node that forwards reads to it and across
/// restarts: node id, start counter (incarnation), then a sequence number.
/// </summary>
internal static class ReadContext
{
    public const int Size = 24;

    public static byte[] Encode(ulong nodeId, ulong incarnation, ulong sequence)
    {
        var context = new byte[Size];
        BinaryPrimitives.WriteUInt64LittleEndian(context, nodeId);
        BinaryPrimitives.WriteUInt64LittleEndian(context.AsSpan(8), incarnation);
        BinaryPrimitives.WriteUInt64LittleEndian(context.AsSpan(16), sequence);
        return context;
    }

    /// <summary>The sequence number of a context this node (in this incarnation) made; false for any other.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> context, ulong nodeId, ulong incarnation, out ulong sequence)
    {
        sequence = 0;
        if (context.Length != Size || BinaryPrimitives.ReadUInt64LittleEndian(context) != nodeId
            || BinaryPrimitives.ReadUInt64LittleEndian(context[8..]) != incarnation) return false;
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(context[16..]);
        return true;
    }
}
