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

    private static async Task<RestoredServiceSnapshot> Restore(byte[] bytes, SnapshotMetadata? expected, params IService[] services)
    {
        using var input = new MemoryStream(bytes);
        return await ServiceSnapshotFormat.RestoreAsync(input, "'test.snap'", services.ToDictionary(s => s.Namespace), 10, expected, CancellationToken.None);
    }
}
