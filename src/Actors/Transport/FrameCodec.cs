using System.Buffers.Binary;
using RaftActors.Messages;

namespace RaftActors.Actors.Transport;

/// <summary>
/// The frame layer of the peer protocol (see docs/transport.md). All integers are little-endian.
/// <code>
/// frame    = length:u32 crc:u32 payload          length = payload bytes, 1..MaxFrameSize; crc = CRC-32C(payload)
/// payload  = kind:u8 body
/// Batch         (1) count:u32 (len:u32 RaftCodec-message)*count    count >= 1
/// SnapshotBegin (2) id:u64 RaftCodec-message                        a Snapshot message whose Snapshot.Data is empty
/// SnapshotChunk (3) id:u64 offset:u64 last:u8 data                  chunks of one snapshot in order, offset = bytes before
/// SnapshotAbort (4) id:u64                                          the sender gave up on that snapshot
/// Forward       (5) data                                            an opaque application payload, possibly empty
/// </code>
/// Decoding treats the bytes as hostile: every malformed input gives a <see cref="TransportException"/>
/// with the reason, never another exception and never a partial result.
/// </summary>
internal static class FrameCodec
{
    public const int HeaderSize = 8;

    /// <summary>Payload bytes of a chunk frame that are not snapshot data: kind, id, offset, last flag.</summary>
    public const int ChunkOverhead = 1 + 8 + 8 + 1;

    private const int BatchCountOffset = HeaderSize + 1;
    private const int ChunkLastOffset = HeaderSize + 1 + 8 + 8;

    /// <summary>Starts a frame: reserves the header (filled by <see cref="EndFrame"/>) and writes the kind.</summary>
    public static void BeginFrame(PooledBufferWriter writer, FrameKind kind)
    {
        writer.Truncate(0);
        var span = writer.GetSpan(HeaderSize + 1);
        span[..HeaderSize].Clear();
        span[HeaderSize] = (byte)kind;
        writer.Advance(HeaderSize + 1);
    }

    public static void EndFrame(PooledBufferWriter writer)
    {
        var frame = writer.WrittenSpan;
        var payload = frame[HeaderSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32C.Compute(payload));
    }

    /// <summary>Payload bytes of the frame being built, to check against the frame limit.</summary>
    public static int PayloadLength(PooledBufferWriter writer) => writer.WrittenCount - HeaderSize;

    public static void BeginBatch(PooledBufferWriter writer)
    {
        BeginFrame(writer, FrameKind.Batch);
        WriteUInt32(writer, 0);
    }

    /// <summary>Appends one length-prefixed message; the caller may roll it back with <see cref="PooledBufferWriter.Truncate"/>.</summary>
    public static void AppendMessage(PooledBufferWriter writer, RaftMessage message)
    {
        var at = writer.WrittenCount;
        WriteUInt32(writer, 0);
        RaftCodec.Encode(message, writer);
        BinaryPrimitives.WriteUInt32LittleEndian(writer.WrittenSpan[at..], (uint)(writer.WrittenCount - at - 4));
    }

    public static void EndBatch(PooledBufferWriter writer, int count)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(writer.WrittenSpan[BatchCountOffset..], (uint)count);
        EndFrame(writer);
    }

    public static void WriteSnapshotBegin(PooledBufferWriter writer, ulong snapshotId, RaftMessage message)
    {
        BeginFrame(writer, FrameKind.SnapshotBegin);
        WriteUInt64(writer, snapshotId);
        RaftCodec.Encode(message, writer);
        EndFrame(writer);
    }

    /// <summary>Starts a chunk frame and returns the space for up to <paramref name="capacity"/> data bytes; finish with <see cref="EndChunk"/>.</summary>
    public static Memory<byte> BeginChunk(PooledBufferWriter writer, ulong snapshotId, long offset, int capacity)
    {
        BeginFrame(writer, FrameKind.SnapshotChunk);
        WriteUInt64(writer, snapshotId);
        WriteUInt64(writer, (ulong)offset);
        writer.GetSpan(1)[0] = 0;
        writer.Advance(1);
        return writer.GetMemory(capacity)[..capacity];
    }

    public static void EndChunk(PooledBufferWriter writer, int length, bool last)
    {
        writer.Advance(length);
        writer.WrittenSpan[ChunkLastOffset] = last ? (byte)1 : (byte)0;
        EndFrame(writer);
    }

    public static void WriteSnapshotAbort(PooledBufferWriter writer, ulong snapshotId)
    {
        BeginFrame(writer, FrameKind.SnapshotAbort);
        WriteUInt64(writer, snapshotId);
        EndFrame(writer);
    }

    /// <summary>Payload bytes of a forward frame that are not application data: the kind.</summary>
    public const int ForwardOverhead = 1;

    public static void WriteForward(PooledBufferWriter writer, ReadOnlySpan<byte> data)
    {
        BeginFrame(writer, FrameKind.Forward);
        data.CopyTo(writer.GetSpan(data.Length));
        writer.Advance(data.Length);
        EndFrame(writer);
    }

    /// <summary>Checks a header; returns the payload length that follows it.</summary>
    public static int ReadHeader(ReadOnlySpan<byte> header, int maxFrameSize, out uint crc)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        crc = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length == 0) throw new TransportException("empty frame");
        if (length > (uint)maxFrameSize) throw new TransportException($"frame of {length} bytes exceeds the limit of {maxFrameSize}");
        return (int)length;
    }

    /// <summary>Decodes one whole frame held in memory (header included).</summary>
    public static Frame DecodeFrame(ReadOnlyMemory<byte> frame, int maxFrameSize)
    {
        if (frame.Length < HeaderSize) throw new TransportException($"frame header truncated at {frame.Length} bytes");
        var length = ReadHeader(frame.Span, maxFrameSize, out var crc);
        if (frame.Length - HeaderSize != length)
            throw new TransportException($"frame header announces {length} bytes but {frame.Length - HeaderSize} follow");
        return DecodePayload(frame[HeaderSize..], crc);
    }

    /// <summary>Verifies the CRC, then decodes the kind and body.</summary>
    public static Frame DecodePayload(ReadOnlyMemory<byte> payload, uint crc)
    {
        if (payload.IsEmpty) throw new TransportException("empty frame");
        var actual = Crc32C.Compute(payload.Span);
        if (actual != crc) throw new TransportException($"frame CRC mismatch (header {crc:x8}, payload {actual:x8})");
        var body = payload[1..];
        return (FrameKind)payload.Span[0] switch
        {
            FrameKind.Batch => DecodeBatch(body.Span),
            FrameKind.SnapshotBegin => DecodeSnapshotBegin(body.Span),
            FrameKind.SnapshotChunk => DecodeChunk(body),
            FrameKind.SnapshotAbort => DecodeAbort(body.Span),
            FrameKind.Forward => new ForwardFrame(body),
            var kind => throw new TransportException($"unknown frame kind {(byte)kind}"),
        };
    }

    private static BatchFrame DecodeBatch(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4) throw new TransportException("batch frame truncated before its count");
        var count = BinaryPrimitives.ReadUInt32LittleEndian(body);
        var rest = body[4..];
        // Each message needs at least its 4-byte length, so a count beyond that is a lie; checked before allocating.
        if (count == 0 || count > (uint)rest.Length / 4) throw new TransportException($"batch count {count} does not fit a {body.Length}-byte frame");
        var messages = new RaftMessage[count];
        for (var i = 0; i < messages.Length; i++)
        {
            if (rest.Length < 4) throw new TransportException($"batch truncated before message {i}");
            var length = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            rest = rest[4..];
            if (length > (uint)rest.Length) throw new TransportException($"message {i} announces {length} bytes but {rest.Length} remain");
            messages[i] = DecodeMessage(rest[..(int)length], $"message {i} of the batch");
            rest = rest[(int)length..];
        }
        if (!rest.IsEmpty) throw new TransportException($"{rest.Length} stray bytes after the batch");
        return new BatchFrame(messages);
    }

    private static SnapshotBeginFrame DecodeSnapshotBegin(ReadOnlySpan<byte> body)
    {
        if (body.Length < 8) throw new TransportException("snapshot begin frame truncated");
        var message = DecodeMessage(body[8..], "snapshot header");
        if (message.Type != MessageType.Snapshot || message.Snapshot is null || message.Snapshot.Data.Length != 0)
            throw new TransportException("snapshot header must be a Snapshot message without inline data");
        return new SnapshotBeginFrame(BinaryPrimitives.ReadUInt64LittleEndian(body), message);
    }

    private static SnapshotChunkFrame DecodeChunk(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        if (span.Length < ChunkOverhead - 1) throw new TransportException("snapshot chunk frame truncated");
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(span[8..]);
        if (offset > long.MaxValue) throw new TransportException($"snapshot chunk offset {offset} out of range");
        var last = span[16];
        if (last > 1) throw new TransportException($"snapshot chunk last flag {last} is not 0 or 1");
        return new SnapshotChunkFrame(BinaryPrimitives.ReadUInt64LittleEndian(span), (long)offset, last == 1, body[17..]);
    }

    private static SnapshotAbortFrame DecodeAbort(ReadOnlySpan<byte> body) => body.Length == 8
        ? new SnapshotAbortFrame(BinaryPrimitives.ReadUInt64LittleEndian(body))
        : throw new TransportException($"snapshot abort frame has {body.Length} body bytes, expected 8");

    private static RaftMessage DecodeMessage(ReadOnlySpan<byte> bytes, string what)
    {
        try
        {
            return RaftCodec.DecodeMessage(bytes);
        }
        catch (CodecException e)
        {
            throw new TransportException($"{what} is undecodable: {e.Message}", e);
        }
    }

    private static void WriteUInt32(PooledBufferWriter writer, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    private static void WriteUInt64(PooledBufferWriter writer, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }
}
