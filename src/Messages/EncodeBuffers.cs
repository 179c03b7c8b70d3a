using System.Buffers;

namespace RaftActors.Messages;

/// <summary>
/// Per-thread buffers that encoders rent, write into and give back once the exact-size result is copied out. An
/// encoder that writes into a fresh <see cref="ArrayBufferWriter{T}"/> pays for every doubling on the way to the
/// final size and then once more for the copy; on the hot path (every append, journal write and peer frame) that
/// was most of the bytes a proposal allocated. Rented buffers are distinct, so an encoder may nest another; one not
/// given back (an exception) is simply collected. A buffer grown beyond <see cref="RetainedBytes"/> is not kept: a
/// thread holds at most four of them, and one large encoding (a big append batch) must not stay pinned to every
/// thread-pool thread that once made one.
/// </summary>
public static class EncodeBuffers
{
    /// <summary>The largest buffer a thread keeps for later.</summary>
    public const int RetainedBytes = 256 * 1024;

    private const int KeptPerThread = 4;
    private const int InitialBytes = 4096;

    [ThreadStatic]
    private static Stack<ArrayBufferWriter<byte>>? t_free;

    /// <summary>An empty buffer of this thread's, or a new one.</summary>
    public static ArrayBufferWriter<byte> Rent()
    {
        if (t_free is { Count: > 0 } free)
        {
            var buffer = free.Pop();
            buffer.ResetWrittenCount();
            return buffer;
        }
        return new ArrayBufferWriter<byte>(InitialBytes);
    }

    /// <summary>Gives <paramref name="buffer"/> back for the next encoding on this thread.</summary>
    public static void Return(ArrayBufferWriter<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Capacity > RetainedBytes) return;
        var free = t_free ??= new Stack<ArrayBufferWriter<byte>>(KeptPerThread);
        if (free.Count < KeptPerThread) free.Push(buffer);
    }

    /// <summary>What <paramref name="buffer"/> holds, as an array of exactly that size; the buffer is given back.</summary>
    public static byte[] ToArrayAndReturn(ArrayBufferWriter<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var result = buffer.WrittenSpan.ToArray();
        Return(buffer);
        return result;
    }
}
