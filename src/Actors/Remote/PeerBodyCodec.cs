using System.Buffers;
using RaftActors.Messages;

namespace RaftActors.Actors.Remote;

/// <summary>
/// The bodies of peer frames, by <see cref="PeerPayloadKind"/> (forward requests and responses use
/// <c>ForwardCodec</c>). Each starts with <see cref="Version"/>; Raft messages are RaftCodec encodings nested with
/// a length prefix. A body is read only after its frame was authenticated, yet it is still checked like any
/// untrusted input: malformed bytes throw <see cref="CodecException"/> and the caller drops the frame.
/// </summary>
internal static class PeerBodyCodec
{
    public const byte Version = 1;

    /// <summary>Longest abort reason kept, in characters (at most three UTF-8 bytes each, so within <see cref="MaxReasonBytes"/>).</summary>
    public const int MaxReasonChars = 300;

    public const int MaxReasonBytes = 1024;

    // The smallest a nested Raft message is: length prefix, version, tag (the message itself is longer still).
    private const int MinNestedMessageSize = 3;

    public static byte[] EncodeRaftMessages(IReadOnlyList<RaftMessage> messages)
    {
        var buffer = EncodeBuffers.Rent();
        EncodeRaftMessages(messages, buffer);
        return EncodeBuffers.ToArrayAndReturn(buffer);
    }

    /// <summary>Writes the body into <paramref name="buffer"/> (the peer actor seals it from there, without an array of its own).</summary>
    public static void EncodeRaftMessages(IReadOnlyList<RaftMessage> messages, IBufferWriter<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var w = new WireWriter(buffer);
        w.Byte(Version);
        w.VarUInt((ulong)messages.Count);
        foreach (var message in messages) w.Nested(message, RaftCodec.Encode);
    }

    public static RaftMessage[] DecodeRaftMessages(ReadOnlySpan<byte> body)
    {
        var r = Open(body);
        var count = r.Count(MinNestedMessageSize, "message");
        var messages = count == 0 ? [] : new RaftMessage[count];
        for (var i = 0; i < count; i++) messages[i] = RaftCodec.DecodeMessage(WireExtras.Nested(body, ref r, "message"));
        r.End("raft messages body");
        return messages;
    }

    public static byte[] Encode(SnapshotChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Header is { } header) CheckHeader(header, chunk.Offset, static m => new ArgumentException(m, nameof(chunk)));
        else if (chunk.Offset == 0) throw new ArgumentException("the first chunk (offset 0) carries the Snapshot message", nameof(chunk));
        var buffer = new ArrayBufferWriter<byte>(chunk.Data.Length + 128);
        var w = new WireWriter(buffer);
        w.Byte(Version);
        w.VarUInt(chunk.TransferId);
        w.Bool(chunk.Header is not null);
        if (chunk.Header is not null) w.Bytes(RaftCodec.Encode(chunk.Header));
        w.Length(chunk.Offset, nameof(chunk.Offset));
        w.Bytes(chunk.Data);
        w.Bool(chunk.Last);
        w.UInt32(chunk.PayloadCrc);
        return buffer.WrittenSpan.ToArray();
    }

    public static SnapshotChunk DecodeSnapshotChunk(ReadOnlySpan<byte> body)
    {
        var r = Open(body);
        var transferId = r.VarUInt();
        var header = r.Bool() ? RaftCodec.DecodeMessage(WireExtras.Nested(body, ref r, "snapshot header")) : null;
        var offset = WireExtras.Length(ref r, "chunk offset");
        if (header is not null) CheckHeader(header, offset, static m => new CodecException(m));
        else if (offset == 0) throw new CodecException("the first chunk (offset 0) carries no Snapshot message");
        var data = r.Bytes();
        if (offset > long.MaxValue - data.Length) throw new CodecException($"chunk at offset {offset} of {data.Length} bytes ends past the largest payload");
        var last = r.Bool();
        var crc = r.UInt32();
        r.End("snapshot chunk body");
        return new SnapshotChunk(transferId, header, offset, data, last, crc);
    }

    public static byte[] Encode(SnapshotAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        var buffer = new ArrayBufferWriter<byte>(32 + ack.Reason.Length);
        var w = new WireWriter(buffer);
        w.Byte(Version);
        w.VarUInt(ack.TransferId);
        w.Length(ack.NextOffset, nameof(ack.NextOffset));
        w.Bool(ack.Abort);
        // A reason is for the other side's log: cut, not refused, when an exception message runs long.
        w.String(ack.Reason.Length > MaxReasonChars ? ack.Reason[..MaxReasonChars] : ack.Reason);
        return buffer.WrittenSpan.ToArray();
    }

    public static SnapshotAck DecodeSnapshotAck(ReadOnlySpan<byte> body)
    {
        var r = Open(body);
        var transferId = r.VarUInt();
        var next = WireExtras.Length(ref r, "next offset");
        var abort = r.Bool();
        var reason = r.String(MaxReasonBytes);
        r.End("snapshot ack body");
        return new SnapshotAck(transferId, next, abort, reason);
    }

    // The smallest a forwarded body is: length prefix, version, kind (the body itself is longer still).
    private const int MinNestedForwardSize = 3;

    /// <summary>Forward bodies (requests or responses) in one batch body, in order.</summary>
    public static byte[] EncodeForwardBatch(IReadOnlyList<byte[]> forwards)
    {
        ArgumentNullException.ThrowIfNull(forwards);
        var buffer = EncodeBuffers.Rent();
        var w = new WireWriter(buffer);
        w.Byte(Version);
        w.VarUInt((ulong)forwards.Count);
        foreach (var forward in forwards) w.Bytes(forward);
        return EncodeBuffers.ToArrayAndReturn(buffer);
    }

    /// <summary>The forward bodies of a batch, as slices of <paramref name="body"/> (each is decoded by its handler).</summary>
    public static ReadOnlyMemory<byte>[] DecodeForwardBatch(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        var r = Open(span);
        var count = r.Count(MinNestedForwardSize, "forward");
        var forwards = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            var nested = WireExtras.Nested(span, ref r, "forward");
            if (nested.IsEmpty) throw new CodecException("an empty forward in a batch");
            // Nested returns a slice of span: its offset is where it starts in body.
            var start = span.Length - r.Remaining - nested.Length;
            forwards[i] = body.Slice(start, nested.Length);
        }
        r.End("forward batch body");
        return forwards;
    }

    private static WireReader Open(ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        WireExtras.Version(ref r, Version, "peer body");
        return r;
    }

    // The header travels once, before any data: it describes the snapshot, the chunks carry its payload.
    private static void CheckHeader(RaftMessage header, long offset, Func<string, Exception> error)
    {
        if (offset != 0) throw error($"only the first chunk (offset 0) carries the Snapshot message, not the one at {offset}");
        if (header.Type != MessageType.Snapshot || header.Snapshot is null)
        {
            throw error($"a snapshot chunk's header is a {header.Type} message, not a Snapshot message with metadata");
        }
        if (header.Snapshot.Data.Length != 0) throw error("a snapshot chunk's header carries payload data; the chunks carry it");
    }
}
