using System.Buffers;
using RaftActors.Messages;

namespace RaftActors.Messages.Tests;

public sealed class EncodeBuffersTests
{
    [Fact]
    public void Buffers_rented_while_another_is_held_are_distinct_and_a_returned_one_comes_back_empty()
    {
        var outer = EncodeBuffers.Rent();
        outer.Write<byte>([1, 2, 3]);
        var inner = EncodeBuffers.Rent();
        Assert.NotSame(outer, inner);
        EncodeBuffers.Return(inner);

        var again = EncodeBuffers.Rent();
        Assert.Same(inner, again);
        Assert.Equal(0, again.WrittenCount);
        Assert.Equal(new byte[] { 1, 2, 3 }, outer.WrittenSpan.ToArray());
        EncodeBuffers.Return(again);
        Assert.Equal(new byte[] { 1, 2, 3 }, EncodeBuffers.ToArrayAndReturn(outer));
    }

    [Fact]
    public void A_buffer_grown_beyond_the_retained_size_is_not_kept()
    {
        var large = EncodeBuffers.Rent();
        large.Write(new byte[EncodeBuffers.RetainedBytes + 1]);
        EncodeBuffers.Return(large);
        var next = EncodeBuffers.Rent();
        Assert.NotSame(large, next);
        EncodeBuffers.Return(next);
    }

    [Fact]
    public void An_encoding_made_while_a_rented_buffer_holds_data_is_the_same_as_one_into_a_fresh_writer()
    {
        var message = new RaftMessage
        {
            Type = MessageType.Append, To = 2, From = 1, Term = 3, Index = 9, Commit = 8,
            Entries = [new Entry(3, 10, EntryType.Normal, new byte[5000]), new Entry(3, 11, EntryType.Normal, [7])],
        };
        var fresh = new ArrayBufferWriter<byte>();
        RaftCodec.Encode(message, fresh);

        var held = EncodeBuffers.Rent();
        held.Write(new byte[100]);
        var encoded = RaftCodec.Encode(message);
        Assert.Equal(fresh.WrittenSpan.ToArray(), encoded);
        Assert.Equal(100, held.WrittenCount);
        Assert.Equal(message.Entries[0].Data.Length, RaftCodec.DecodeMessage(encoded).Entries[0].Data.Length);
        EncodeBuffers.Return(held);
    }

    [Fact]
    public void An_entry_encoded_into_a_writer_is_the_same_as_its_array_encoding()
    {
        var entry = new Entry(4, 99, EntryType.ConfChange, [1, 2, 3, 250]);
        var writer = new ArrayBufferWriter<byte>();
        RaftCodec.Encode(entry, writer);
        Assert.Equal(RaftCodec.Encode(entry), writer.WrittenSpan.ToArray());
        Assert.Equal(entry, RaftCodec.DecodeEntry(writer.WrittenSpan));
    }
}
