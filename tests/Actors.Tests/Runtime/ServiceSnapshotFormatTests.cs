using System.Text;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>The service snapshot file on its own: round trip, streaming across chunks, and every kind of bad file.</summary>
public sealed class ServiceSnapshotFormatTests
{
    [Fact]
    public async Task Services_and_sessions_survive_a_round_trip_across_many_chunks()
    {
        var big = new KvService("big");
        var small = new KvService("small");
        Seed(big, 3000, new string('v', 100)); // ~330 KB: several chunks
        Seed(small, 2, "s");
        var sessions = new SessionTable(10);
        sessions.Record(4, 2, 7, Encoding.UTF8.GetBytes("cached"));
        var bytes = await Write(9, 3, sessions, small, big);

        var bigCopy = new KvService("big");
        var smallCopy = new KvService("small");
        var restored = await Restore(bytes, new SnapshotMetadata(9, 3, ConfState.Empty), bigCopy, smallCopy);

        Assert.Equal((9UL, 3UL), (restored.Index, restored.Term));
        Assert.Equal(big.Data, bigCopy.Data);
        Assert.Equal(small.Data, smallCopy.Data);
        Assert.Equal(SessionVerdict.Duplicate, restored.Sessions.Check(4, 2, out var cached));
        Assert.Equal("cached", Encoding.UTF8.GetString(cached));
    }

    [Fact]
    public async Task Bad_magic_is_refused()
    {
        var bytes = await Write(1, 1, new SessionTable(1), new KvService());
        bytes[0] ^= 0xFF;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Restore(bytes, null, new KvService()));

        Assert.Contains("bad magic", error.Message, StringComparison.Ordinal);
        Assert.Contains("test.snap", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsupported_version_is_refused()
    {
        var bytes = await Write(1, 1, new SessionTable(1), new KvService());
        bytes[8] = 99;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Restore(bytes, null, new KvService()));

        Assert.Contains("version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_file_is_refused_wherever_it_is_cut()
    {
        var kv = new KvService();
        Seed(kv, 20, "value");
        var bytes = await Write(5, 1, new SessionTable(1), kv);

        for (var length = 0; length < bytes.Length; length++)
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => Restore(bytes[..length], null, new KvService()));
            Assert.True(error.Message.Contains("truncated", StringComparison.Ordinal), $"cut at {length}: {error.Message}");
        }
    }

    [Fact]
    public async Task A_corrupted_chunk_fails_its_checksum_before_the_service_sees_it()
    {
        var kv = new KvService();
        Seed(kv, 20, "value");
        var bytes = await Write(5, 1, new SessionTable(1), kv);
        bytes[^10] ^= 0x01; // inside the service's section

        var copy = new KvService();
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Restore(bytes, null, copy));

        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
        Assert.Empty(copy.Data);
    }

    [Fact]
    public async Task An_unknown_namespace_is_refused_before_any_service_is_touched()
    {
        var bytes = await Write(5, 1, new SessionTable(1), new KvService("a"), new KvService("zzz"));
        var a = new KvService("a");
        a.Apply(new ApplyContext(1, 1), "set keep me"u8);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Restore(bytes, null, a, new KvService("b")));

        Assert.Contains("unknown namespace 'zzz'", error.Message, StringComparison.Ordinal);
        Assert.Equal("me", a.Data["keep"]);
    }

    [Fact]
    public async Task A_snapshot_missing_one_of_the_services_is_refused()
    {
        var bytes = await Write(5, 1, new SessionTable(1), new KvService("a"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Restore(bytes, null, new KvService("a"), new KvService("b")));

        Assert.Contains("no state for the service 'b'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snapshot_standing_elsewhere_than_its_metadata_says_is_refused()
    {
        var bytes = await Write(5, 2, new SessionTable(1), new KvService());

        var error = await Assert.ThrowsAsync<InvalidDataException>(
            () => Restore(bytes, new SnapshotMetadata(6, 2, ConfState.Empty), new KvService()));

        Assert.Contains("index 5 term 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trailing_bytes_are_refused()
    {
        var bytes = await Write(5, 1, new SessionTable(1), new KvService());

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Restore([.. bytes, 0], null, new KvService()));

        Assert.Contains("unexpected bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_members_addresses_survive_a_round_trip_and_can_be_read_without_restoring()
    {
        var kv = new KvService();
        Seed(kv, 5, "value");
        var book = new Dictionary<ulong, string> { [3] = "127.0.0.1:7003", [1] = "127.0.0.1:7001", [12] = "akka.tcp://raft@host:7012" };
        var bytes = await Write(9, 3, new SessionTable(10), book, kv);
        var meta = new SnapshotMetadata(9, 3, new ConfState([1, 3, 12]));

        var restored = await Restore(bytes, meta, new KvService());
        var peeked = ServiceSnapshotFormat.ReadAddresses(new MemoryStream(bytes), "'test.snap'", meta);

        Assert.Equal(book.OrderBy(b => b.Key), restored.Addresses!.OrderBy(b => b.Key));
        Assert.Equal(book.OrderBy(b => b.Key), peeked!.OrderBy(b => b.Key));
    }

    [Theory]
    [InlineData("node-zero")]
    [InlineData("twice")]
    [InlineData("out-of-order")]
    [InlineData("empty-address")]
    [InlineData("long-address")]
    [InlineData("count-beyond-the-header")]
    public async Task A_malformed_address_book_is_refused_before_any_service_is_touched(string fault)
    {
        var bytes = WithHeader(fault switch
        {
            "node-zero" => w => Row(w, 0, "a:1"),
            "twice" => w => { Row(w, 2, "a:1"); Row(w, 2, "a:2"); },
            "out-of-order" => w => { Row(w, 3, "a:1"); Row(w, 2, "a:2"); },
            "empty-address" => w => Row(w, 2, ""),
            "long-address" => w => Row(w, 2, new string('a', MembershipContext.MaxAddressBytes + 1)),
            _ => w => { },
        }, rows: fault switch { "twice" or "out-of-order" => 2, "count-beyond-the-header" => 1000, _ => 1 });
        var kv = new KvService();
        kv.Apply(new ApplyContext(1, 1), "set keep me"u8);
        var meta = new SnapshotMetadata(5, 1, new ConfState([1, 2, 3]));

        var restoring = await Assert.ThrowsAsync<InvalidDataException>(() => Restore(bytes, meta, kv));
        var reading = Assert.Throws<InvalidDataException>(() => ServiceSnapshotFormat.ReadAddresses(new MemoryStream(bytes), "'test.snap'", meta));

        Assert.Contains("the header is malformed", restoring.Message, StringComparison.Ordinal);
        Assert.Contains("the header is malformed", reading.Message, StringComparison.Ordinal);
        Assert.Equal("me", kv.Data["keep"]);
        Assert.Single(kv.Data);
    }

    [Fact]
    public void Reading_the_addresses_of_a_snapshot_standing_elsewhere_than_its_metadata_says_is_refused()
    {
        var bytes = WithHeader(w => Row(w, 1, "a:1"), rows: 1);

        var error = Assert.Throws<InvalidDataException>(
            () => ServiceSnapshotFormat.ReadAddresses(new MemoryStream(bytes), "'test.snap'", new SnapshotMetadata(6, 1, ConfState.Empty)));

        Assert.Contains("index 5 term 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_1_snapshot_without_addresses_is_still_restored()
    {
        var kv = new KvService();
        kv.Apply(new ApplyContext(1, 1), "set k v"u8);
        var bytes = WithHeader(null, rows: 0, version: ServiceSnapshotFormat.VersionWithoutAddresses, service: kv);
        var meta = new SnapshotMetadata(5, 1, new ConfState([1]));

        var copy = new KvService();
        var restored = await Restore(bytes, meta, copy);

        Assert.Null(restored.Addresses);
        Assert.Null(ServiceSnapshotFormat.ReadAddresses(new MemoryStream(bytes), "'test.snap'", meta));
        Assert.Equal("v", copy.Data["k"]);
    }

    [Fact]
    public void An_address_book_that_could_not_be_read_back_is_not_written()
    {
        foreach (var book in new[] { new Dictionary<ulong, string> { [0] = "a:1" }, new Dictionary<ulong, string> { [1] = "" } })
        {
            Assert.Throws<ArgumentException>(() => ServiceSnapshotFormat.EncodeHeader(1, 1, ["kv"], book, new SessionTable(1)));
        }
    }

    /// <summary>
    /// A snapshot at index 5 term 1 of one <see cref="KvService"/>, its header's address book written by hand:
    /// <paramref name="rows"/> declared, <paramref name="writeRows"/> writing them (none for version 1).
    /// </summary>
    private static byte[] WithHeader(Action<WireWriter>? writeRows, int rows, byte version = ServiceSnapshotFormat.Version, KvService? service = null)
    {
        service ??= new KvService();
        var header = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new WireWriter(header);
        w.VarUInt(5);
        w.VarUInt(1);
        w.VarUInt(1);
        w.String(service.Namespace);
        if (version != ServiceSnapshotFormat.VersionWithoutAddresses)
        {
            w.VarUInt((ulong)rows);
            writeRows?.Invoke(w);
        }
        new SessionTable(10).Write(header);
        using var output = new MemoryStream();
        ServiceSnapshotFormat.WriteAsync(output, header.WrittenMemory, [service.WriteSnapshotAsync], CancellationToken.None).GetAwaiter().GetResult();
        var bytes = output.ToArray();
        bytes[8] = version;
        return bytes;
    }

    private static void Row(WireWriter w, ulong id, string address)
    {
        w.VarUInt(id);
        // Written raw: the writer's own limit must not stop a test of the reader's.
        var utf8 = Encoding.UTF8.GetBytes(address);
        w.VarUInt((ulong)utf8.Length);
        foreach (var b in utf8) w.Byte(b);
    }

    private static void Seed(KvService kv, int count, string value)
    {
        for (var i = 0; i < count; i++) kv.Apply(new ApplyContext((ulong)i + 1, 1), Encoding.UTF8.GetBytes($"set k{i:D5} {value}"));
    }

    private static async Task<byte[]> Write(ulong index, ulong term, SessionTable sessions, params IService[] services)
    {
        using var output = new MemoryStream();
        await ServiceSnapshotFormat.WriteAsync(output, index, term, sessions, services, CancellationToken.None);
        return output.ToArray();
    }

    private static async Task<byte[]> Write(ulong index, ulong term, SessionTable sessions, IReadOnlyDictionary<ulong, string> addresses,
        params IService[] services)
    {
        using var output = new MemoryStream();
        await ServiceSnapshotFormat.WriteAsync(output, index, term, sessions, addresses, services, CancellationToken.None);
        return output.ToArray();
    }

    private static async Task<RestoredServiceSnapshot> Restore(byte[] bytes, SnapshotMetadata? expected, params IService[] services)
    {
        using var input = new MemoryStream(bytes);
        return await ServiceSnapshotFormat.RestoreAsync(input, "'test.snap'", services.ToDictionary(s => s.Namespace), 10, expected, CancellationToken.None);
    }
}
