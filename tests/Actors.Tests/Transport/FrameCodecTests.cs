using System.Buffers.Binary;
using RaftActors.Actors.Transport;
using RaftActors.Messages;
using static RaftActors.Actors.Tests.Transport.TransportTestKit;

namespace RaftActors.Actors.Tests.Transport;

/// <summary>The frame layer alone: round trips, and hostile bytes giving a clean <see cref="TransportException"/>.</summary>
public sealed class FrameCodecTests
{
    private const int Max = 16 * 1024 * 1024;

    private static readonly RaftMessage Append = new()
    {
        Type = MessageType.Append, From = 1, To = 2, Term = 4, LogTerm = 3, Index = 10, Commit = 9,
        Entries = [new Entry(4, 11, EntryType.Normal, [1, 2, 3, 4]), new Entry(4, 12, EntryType.ConfChange, [9])],
        Context = [7, 7],
    };

    private static readonly RaftMessage SnapshotHeader = new()
    {
        Type = MessageType.Snapshot, From = 1, To = 2, Term = 4,
        Snapshot = new Snapshot(new SnapshotMetadata(100, 4, new ConfState([1, 2], [3], [], [], false))),
    };

    private static byte[] Encode(Action<PooledBufferWriter> write)
    {
        using var writer = new PooledBufferWriter(16);
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] BatchFrame(params RaftMessage[] messages) => Encode(w =>
    {
        FrameCodec.BeginBatch(w);
        foreach (var m in messages) FrameCodec.AppendMessage(w, m);
        FrameCodec.EndBatch(w, messages.Length);
    });

    private static byte[] ChunkFrame(ulong id, long offset, byte[] data, bool last) => Encode(w =>
    {
        var space = FrameCodec.BeginChunk(w, id, offset, data.Length + 10);
        data.CopyTo(space);
        FrameCodec.EndChunk(w, data.Length, last);
    });

    public static TheoryData<string> ValidFrames => ["batch", "begin", "chunk", "abort", "forward"];

    private static byte[] Valid(string kind) => kind switch
    {
        "batch" => BatchFrame(Append, Heartbeat(1, 2, 4)),
        "begin" => Encode(w => FrameCodec.WriteSnapshotBegin(w, 5, SnapshotHeader)),
        "chunk" => ChunkFrame(5, 1024, [1, 2, 3, 4, 5], last: true),
        "forward" => Encode(w => FrameCodec.WriteForward(w, [9, 8, 7, 6])),
        _ => Encode(w => FrameCodec.WriteSnapshotAbort(w, 5)),
    };

    [Fact]
    public void Batch_frame_round_trips()
    {
        var frame = Assert.IsType<BatchFrame>(FrameCodec.DecodeFrame(BatchFrame(Append, Heartbeat(1, 2, 4)), Max));
        Assert.Equal([Append, Heartbeat(1, 2, 4)], frame.Messages);
    }

    [Fact]
    public void Snapshot_frames_round_trip()
    {
        var begin = Assert.IsType<SnapshotBeginFrame>(FrameCodec.DecodeFrame(Valid("begin"), Max));
        Assert.Equal((5UL, SnapshotHeader), (begin.SnapshotId, begin.Message));
        var chunk = Assert.IsType<SnapshotChunkFrame>(FrameCodec.DecodeFrame(Valid("chunk"), Max));
        Assert.Equal((5UL, 1024L, true), (chunk.SnapshotId, chunk.Offset, chunk.Last));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, chunk.Data.ToArray());
        Assert.Equal(5UL, Assert.IsType<SnapshotAbortFrame>(FrameCodec.DecodeFrame(Valid("abort"), Max)).SnapshotId);
    }

    [Fact]
    public void Forward_frame_round_trips_its_payload()
    {
        var frame = Assert.IsType<ForwardFrame>(FrameCodec.DecodeFrame(Valid("forward"), Max));
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, frame.Payload.ToArray());
        Assert.Equal((byte)5, Valid("forward")[FrameCodec.HeaderSize]);
    }

    [Fact]
    public void Forward_frame_may_carry_an_empty_payload()
    {
        var frame = Encode(w => FrameCodec.WriteForward(w, []));
        Assert.Equal(FrameCodec.HeaderSize + FrameCodec.ForwardOverhead, frame.Length);
        Assert.True(Assert.IsType<ForwardFrame>(FrameCodec.DecodeFrame(frame, Max)).Payload.IsEmpty);
    }

    [Fact]
    public void Forward_frame_of_the_largest_payload_fits_the_frame_limit()
    {
        const int limit = 4096;
        var frame = Encode(w => FrameCodec.WriteForward(w, new byte[limit - FrameCodec.ForwardOverhead]));
        Assert.Equal(limit - FrameCodec.ForwardOverhead, Assert.IsType<ForwardFrame>(FrameCodec.DecodeFrame(frame, limit)).Payload.Length);
        var over = Encode(w => FrameCodec.WriteForward(w, new byte[limit]));
        Assert.Throws<TransportException>(() => FrameCodec.DecodeFrame(over, limit));
    }

    [Theory]
    [MemberData(nameof(ValidFrames))]
    public void Every_truncation_gives_a_clean_error(string kind)
    {
        var frame = Valid(kind);
        for (var length = 0; length < frame.Length; length++)
        {
            Assert.Throws<TransportException>(() => FrameCodec.DecodeFrame(frame.AsMemory(0, length), Max));
        }
    }

    [Theory]
    [MemberData(nameof(ValidFrames))]
    public void Every_truncated_body_with_a_matching_header_gives_a_clean_error(string kind)
    {
        // Rewrites length and CRC so the body parser, not the CRC check, meets the short input.
        var payload = Valid(kind)[FrameCodec.HeaderSize..];
        for (var length = 1; length < payload.Length; length++)
        {
            var truncated = RawPeer.FrameOf(payload[..length]);
            if (kind == "chunk" && length >= FrameCodec.ChunkOverhead) continue; // a shorter chunk is still a valid chunk
            if (kind == "forward") continue; // any body is a valid opaque payload
            Assert.Throws<TransportException>(() => FrameCodec.DecodeFrame(truncated, Max));
        }
    }

    [Theory]
    [MemberData(nameof(ValidFrames))]
    public void Random_mutations_decode_or_give_a_clean_error(string kind)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var original = Valid(kind);
        for (var i = 0; i < 3000; i++)
        {
            var mutated = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--) mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            // Half the time keep the CRC consistent so mutations reach the body parser and the message codec.
            var frame = i % 2 == 0 ? mutated : RawPeer.FrameOf(mutated[FrameCodec.HeaderSize..]);
            try
            {
                FrameCodec.DecodeFrame(frame, Max);
            }
            catch (TransportException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, iteration {i}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    [Fact]
    public void Crc_mismatch_is_detected()
    {
        var frame = BatchFrame(Append);
        frame[^3] ^= 1;
        Assert.Contains("CRC", Assert.Throws<TransportException>(() => FrameCodec.DecodeFrame(frame, Max)).Message);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(Max + 1u)]
    [InlineData(uint.MaxValue)]
    public void Header_length_outside_the_limit_is_refused_before_reading_the_payload(uint length)
    {
        var header = new byte[FrameCodec.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        Assert.Throws<TransportException>(() => FrameCodec.ReadHeader(header, Max, out _));
    }

    [Fact]
    public void Batch_count_larger_than_the_frame_can_hold_is_refused()
    {
        byte[] payload = [(byte)FrameKind.Batch, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0];
        Assert.Contains("count", Assert.Throws<TransportException>(() => FrameCodec.DecodeFrame(RawPeer.FrameOf(payload), Max)).Message);
    }

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 99, 1, 2 })]
    [InlineData(new byte[] { 6, 1, 2 })]
    [InlineData(new byte[] { (byte)FrameKind.SnapshotAbort, 1, 2, 3 })]
    public void Unknown_kinds_and_wrong_sizes_are_refused(byte[] payload) =>
        Assert.Throws<TransportException>(() => FrameCodec.DecodeFrame(RawPeer.FrameOf(payload), Max));

    [Fact]
    public void Snapshot_header_with_inline_data_is_refused()
    {
        var inline = SnapshotHeader with { Snapshot = new Snapshot(SnapshotHeader.Snapshot!.Metadata, [1]) };
        var frame = Encode(w => FrameCodec.WriteSnapshotBegin(w, 1, inline));
        Assert.Throws<TransportException>(() => FrameCodec.DecodeFrame(frame, Max));
    }

    [Fact]
    public async Task Reader_returns_null_at_a_clean_end_and_fails_inside_a_frame()
    {
        var frame = BatchFrame(Append);
        using (var reader = new FrameReader(new MemoryStream(frame), Max, 1024))
        {
            Assert.IsType<BatchFrame>(await reader.ReadAsync(CancellationToken.None));
            Assert.Null(await reader.ReadAsync(CancellationToken.None));
        }
        foreach (var cut in new[] { 3, FrameCodec.HeaderSize + 2 })
        {
            using var reader = new FrameReader(new MemoryStream(frame[..cut]), Max, 1024);
            await Assert.ThrowsAsync<TransportException>(() => reader.ReadAsync(CancellationToken.None).AsTask());
        }
    }
}
