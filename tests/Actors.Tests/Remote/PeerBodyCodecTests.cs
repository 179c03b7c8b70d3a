using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using static RaftActors.Actors.Tests.Remote.RemoteSamples;

namespace RaftActors.Actors.Tests.Remote;

/// <summary>The bodies peer frames carry: Raft message batches, snapshot chunks and their acknowledgements.</summary>
public sealed class PeerBodyCodecTests
{
    private static RaftMessage MaxMessage() => new()
    {
        Type = MessageType.AppendResponse, From = ulong.MaxValue, To = ulong.MaxValue, Term = ulong.MaxValue,
        LogTerm = ulong.MaxValue, Index = ulong.MaxValue, Commit = ulong.MaxValue, Reject = true, RejectHint = ulong.MaxValue,
    };

    public static TheoryData<int> BatchSizes() => [0, 1, 2, 50];

    [Theory]
    [MemberData(nameof(BatchSizes))]
    public void Raft_message_batches_round_trip(int count)
    {
        var messages = Enumerable.Range(0, count).Select(i => i % 2 == 0 ? Append(entries: i % 7) : MaxMessage()).ToArray();

        var body = PeerBodyCodec.EncodeRaftMessages(messages);

        Assert.Equal(PeerBodyCodec.Version, body[0]);
        Assert.Equal(messages, PeerBodyCodec.DecodeRaftMessages(body));
    }

    [Theory]
    [MemberData(nameof(BatchSizes))]
    public void Forward_batches_round_trip_in_order(int count)
    {
        var forwards = Enumerable.Range(0, count).Select(i => ForwardCodec.Encode(new ForwardResponse((ulong)i + 1, null, "", new byte[i % 5]))).ToArray();

        var decoded = PeerBodyCodec.DecodeForwardBatch(PeerBodyCodec.EncodeForwardBatch(forwards));

        Assert.Equal(forwards, decoded.Select(f => f.ToArray()));
    }

    [Fact]
    public void A_forward_batch_with_an_empty_forward_a_count_beyond_its_bytes_or_trailing_bytes_is_refused()
    {
        var one = ForwardCodec.Encode(new ForwardResponse(1, null, "", [7]));
        var valid = PeerBodyCodec.EncodeForwardBatch([one, one]);
        Assert.Throws<CodecException>(() => PeerBodyCodec.DecodeForwardBatch(PeerBodyCodec.EncodeForwardBatch([one, []])).Length);
        var overcounted = (byte[])valid.Clone();
        overcounted[1] = 200;
        Assert.Throws<CodecException>(() => PeerBodyCodec.DecodeForwardBatch(overcounted).Length);
        Assert.Throws<CodecException>(() => PeerBodyCodec.DecodeForwardBatch(valid.AsMemory(0, valid.Length - 1)).Length);
        byte[] trailing = [.. valid, 0];
        Assert.Throws<CodecException>(() => PeerBodyCodec.DecodeForwardBatch(trailing).Length);
    }

    [Fact]
    public void Large_batch_round_trips()
    {
        var messages = new[] { Append(entries: 0) with { Entries = Entries(100, 1000) } };

        var body = PeerBodyCodec.EncodeRaftMessages(messages);

        Assert.True(body.Length > 100_000);
        Assert.Equal(messages, PeerBodyCodec.DecodeRaftMessages(body));
    }

    public static TheoryData<string> Chunks() => ["first", "middle", "last", "only", "max"];

    private static SnapshotChunk Chunk(string name) => name switch
    {
        "first" => new SnapshotChunk(9, SnapshotHeader(), 0, [1, 2, 3], false, 0),
        "middle" => new SnapshotChunk(9, null, 3, [.. Enumerable.Range(0, 64 * 1024).Select(i => (byte)i)], false, 0),
        "last" => new SnapshotChunk(9, null, 65539, [7], true, 0xCAFEBABE),
        "only" => new SnapshotChunk(1, SnapshotHeader(), 0, [], true, Crc32C.Compute([])),
        "max" => new SnapshotChunk(ulong.MaxValue, null, long.MaxValue, [], true, uint.MaxValue),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Snapshot_chunks_round_trip(string name)
    {
        var chunk = Chunk(name);

        var decoded = PeerBodyCodec.DecodeSnapshotChunk(PeerBodyCodec.Encode(chunk));

        Assert.Equal((chunk.TransferId, chunk.Header, chunk.Offset, chunk.Last, chunk.PayloadCrc),
            (decoded.TransferId, decoded.Header, decoded.Offset, decoded.Last, decoded.PayloadCrc));
        Assert.Equal(chunk.Data, decoded.Data);
    }

    [Fact]
    public void Snapshot_acks_round_trip()
    {
        foreach (var ack in new[]
        {
            new SnapshotAck(3, 4096, false, ""),
            new SnapshotAck(ulong.MaxValue, long.MaxValue, true, "disk full: ünïcødé 🚫"),
            new SnapshotAck(0, 0, true, ""),
        })
        {
            Assert.Equal(ack, PeerBodyCodec.DecodeSnapshotAck(PeerBodyCodec.Encode(ack)));
        }
    }

    [Fact]
    public void Long_abort_reason_is_cut_to_its_limit()
    {
        var ack = new SnapshotAck(1, 0, true, new string('x', 10_000));

        var decoded = PeerBodyCodec.DecodeSnapshotAck(PeerBodyCodec.Encode(ack));

        Assert.Equal(new string('x', PeerBodyCodec.MaxReasonChars), decoded.Reason);
    }

    [Fact]
    public void Header_is_required_on_the_first_chunk_and_refused_on_the_others()
    {
        Assert.Throws<ArgumentException>(() => PeerBodyCodec.Encode(new SnapshotChunk(1, null, 0, [1], false, 0)));
        Assert.Throws<ArgumentException>(() => PeerBodyCodec.Encode(new SnapshotChunk(1, SnapshotHeader(), 5, [1], false, 0)));

        // Decoding enforces the same. Layout: version, transfer id, has-header, [header length, header], offset, ...
        var headerless = PeerBodyCodec.Encode(new SnapshotChunk(9, null, 1, [1, 2, 3], false, 0));
        Assert.Equal(1, headerless[3]);
        headerless[3] = 0;
        Assert.Contains("carries no Snapshot message", Assert.Throws<CodecException>(() => PeerBodyCodec.DecodeSnapshotChunk(headerless)).Message);

        var first = PeerBodyCodec.Encode(Chunk("first"));
        var offsetAt = 4 + first[3];
        Assert.Equal(0, first[offsetAt]);
        first[offsetAt] = 5;
        Assert.Contains("only the first chunk", Assert.Throws<CodecException>(() => PeerBodyCodec.DecodeSnapshotChunk(first)).Message);
    }

    [Fact]
    public void Header_must_be_a_snapshot_message_without_data()
    {
        var notSnapshot = Append();
        var withData = SnapshotHeader() with { Snapshot = new Snapshot(Metadata, [1, 2]) };
        var withoutMetadata = SnapshotHeader() with { Snapshot = null };

        foreach (var header in new[] { notSnapshot, withData, withoutMetadata })
        {
            Assert.Throws<ArgumentException>(() => PeerBodyCodec.Encode(new SnapshotChunk(1, header, 0, [], true, 0)));
        }
    }

    [Fact]
    public void Chunk_ending_past_the_largest_payload_is_refused()
    {
        var body = PeerBodyCodec.Encode(new SnapshotChunk(1, null, long.MaxValue, [], true, 0));
        var extended = PeerBodyCodec.Encode(new SnapshotChunk(1, null, long.MaxValue - 1, [1, 2], true, 0));

        Assert.Equal(long.MaxValue, PeerBodyCodec.DecodeSnapshotChunk(body).Offset);
        Assert.Throws<CodecException>(() => PeerBodyCodec.DecodeSnapshotChunk(extended));
    }

    [Fact]
    public void Bodies_with_another_version_truncated_or_with_trailing_bytes_are_refused()
    {
        var bodies = new Func<byte[], object>[]
        {
            b => PeerBodyCodec.DecodeRaftMessages(b), b => PeerBodyCodec.DecodeSnapshotChunk(b), b => PeerBodyCodec.DecodeSnapshotAck(b),
        };
        var encoded = new[]
        {
            PeerBodyCodec.EncodeRaftMessages([Append(), MaxMessage()]),
            PeerBodyCodec.Encode(Chunk("first")),
            PeerBodyCodec.Encode(new SnapshotAck(1, 2, true, "why")),
        };

        for (var i = 0; i < bodies.Length; i++)
        {
            var decode = bodies[i];
            var bytes = encoded[i];
            decode(bytes);
            for (var length = 0; length < bytes.Length; length++) Assert.Throws<CodecException>(() => decode(bytes[..length]));
            Assert.Throws<CodecException>(() => decode([.. bytes, 0]));
            Assert.Throws<CodecException>(() => decode([2, .. bytes[1..]]));
        }
    }
}
