using System.Buffers;
using System.Text;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>The session table on its own: verdicts, deterministic eviction, encoding.</summary>
public sealed class SessionTableTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void A_new_sequence_applies_the_latest_is_a_duplicate_and_an_older_one_is_stale()
    {
        var table = new SessionTable(10);
        Assert.Equal(SessionVerdict.Apply, table.Check(7, 1, out _));
        table.Record(7, 1, index: 3, B("first"));
        table.Record(7, 2, index: 5, B("second"));

        Assert.Equal(SessionVerdict.Duplicate, table.Check(7, 2, out var cached));
        Assert.Equal("second", Encoding.UTF8.GetString(cached));
        Assert.Equal(SessionVerdict.Stale, table.Check(7, 1, out _));
        Assert.Equal(SessionVerdict.Apply, table.Check(7, 9, out _));
        Assert.Equal(SessionVerdict.Apply, table.Check(8, 1, out _));
    }

    [Fact]
    public void Eviction_takes_the_client_whose_last_command_has_the_lowest_index()
    {
        static SessionTable Feed()
        {
            var table = new SessionTable(2);
            table.Record(1, 1, 10, B("a"));
            table.Record(2, 1, 11, B("b"));
            table.Record(1, 2, 12, B("c")); // client 1 is now more recent than client 2
            Assert.Equal(2UL, table.Record(3, 1, 13, B("d")));
            return table;
        }

        var one = Feed();
        var other = Feed();

        Assert.Equal([1UL, 3UL], one.Sessions.Select(s => s.ClientId));
        Assert.Equal(one.Sessions.Select(s => (s.ClientId, s.Sequence, s.Index)), other.Sessions.Select(s => (s.ClientId, s.Sequence, s.Index)));
        Assert.Equal(SessionVerdict.Apply, one.Check(2, 1, out _));
    }

    [Fact]
    public void Commands_must_be_recorded_in_log_order_with_a_client_and_a_sequence()
    {
        var table = new SessionTable(4);
        table.Record(1, 1, 10, []);
        Assert.Throws<InvalidOperationException>(() => table.Record(2, 1, 10, []));
        Assert.Throws<ArgumentException>(() => table.Record(0, 1, 11, []));
        Assert.Throws<ArgumentException>(() => table.Record(2, 0, 11, []));
    }

    [Fact]
    public void The_table_survives_an_encoding_round_trip()
    {
        var table = new SessionTable(4);
        table.Record(5, 3, 20, B("x"));
        table.Record(9, 1, 21, []);
        table.Record(5, 4, 22, B("y"));

        var copy = Decode(Encode(table), 4);

        Assert.Equal(table.Sessions.Select(Describe), copy.Sessions.Select(Describe));
        Assert.Equal(SessionVerdict.Duplicate, copy.Check(5, 4, out var cached));
        Assert.Equal("y", Encoding.UTF8.GetString(cached));
    }

    [Fact]
    public void A_smaller_limit_cuts_a_decoded_table_from_its_oldest_end()
    {
        var table = new SessionTable(4);
        for (ulong c = 1; c <= 4; c++) table.Record(c, 1, 10 + c, []);

        var copy = Decode(Encode(table), 2);

        Assert.Equal([3UL, 4UL], copy.Sessions.Select(s => s.ClientId));
    }

    [Theory]
    [InlineData(new ulong[] { 1, 1, 5, 1, 1, 6 }, "twice")]
    [InlineData(new ulong[] { 1, 1, 6, 2, 1, 5 }, "out of order")]
    [InlineData(new ulong[] { 0, 1, 5 }, "zero")]
    [InlineData(new ulong[] { 1, 0, 5 }, "zero")]
    public void Decoding_refuses_a_malformed_table(ulong[] fields, string reason)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new WireWriter(buffer);
        w.VarUInt((ulong)(fields.Length / 3));
        for (var i = 0; i < fields.Length; i += 3)
        {
            w.VarUInt(fields[i]);
            w.VarUInt(fields[i + 1]);
            w.VarUInt(fields[i + 2]);
            w.Bytes([]);
        }

        var error = Assert.Throws<CodecException>(() => Decode(buffer.WrittenSpan.ToArray(), 10));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private static string Describe(SessionTable.Session s) => $"{s.ClientId}/{s.Sequence}/{s.Index}/{Convert.ToHexString(s.Result)}";

    private static byte[] Encode(SessionTable table)
    {
        var buffer = new ArrayBufferWriter<byte>();
        table.Write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static SessionTable Decode(byte[] bytes, int capacity)
    {
        var reader = new WireReader(bytes);
        var table = SessionTable.Read(ref reader, capacity);
        reader.End("session table");
        return table;
    }
}
