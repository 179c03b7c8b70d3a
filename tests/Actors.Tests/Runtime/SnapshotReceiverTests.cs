using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// The inbound side of snapshot transfers on its own: chunks in order become a durable file handed to the
/// RaftActor; anything else aborts the transfer and leaves no file.
/// </summary>
public sealed class SnapshotReceiverTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong Leader = 1;
    private const ulong LocalNode = 2;

    private static readonly RaftMessage Header = new()
    {
        Type = MessageType.Snapshot, From = Leader, To = LocalNode, Term = 3,
        Snapshot = new Snapshot(new SnapshotMetadata(40, 3, new ConfState([1, 2]))),
    };

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("raftactors-receiver-").FullName;
    private readonly TestProbe _raft;

    public SnapshotReceiverTests(ITestOutputHelper output)
        : base(output: output)
    {
        _raft = CreateTestProbe("raft");
    }

    private string Folder => Path.Combine(_dataDirectory, SnapshotReceiver.FolderName);

    private SnapshotReceiver Receiver(long maxBytes = SnapshotReceiver.DefaultMaxSnapshotBytes) =>
        new(Folder, _raft.Ref, NullLogger.Instance, LocalNode, maxBytes);

    protected override void AfterAll()
    {
        base.AfterAll();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private static byte[] Payload(int size, int seed = 5)
    {
        var payload = new byte[size];
        new Random(seed).NextBytes(payload);
        return payload;
    }

    /// <summary>The chunks a leader sends for <paramref name="payload"/>: the first carries the header, the last the CRC.</summary>
    private static List<SnapshotChunk> Chunks(ulong transfer, byte[] payload, int chunkSize, RaftMessage? header = null)
    {
        var chunks = new List<SnapshotChunk>();
        for (var offset = 0; offset < payload.Length || offset == 0; offset += chunkSize)
        {
            var data = payload.AsSpan(offset, Math.Min(chunkSize, payload.Length - offset)).ToArray();
            var last = offset + data.Length == payload.Length;
            chunks.Add(new SnapshotChunk(transfer, offset == 0 ? header ?? Header : null, offset, data, last, last ? Crc32C.Compute(payload) : 0));
            if (last) break;
        }
        return chunks;
    }

    [Fact]
    public async Task Completed_snapshot_is_a_durable_file_handed_to_the_raft_actor()
    {
        using var receiver = Receiver();
        var payload = Payload(70_000);
        var chunks = Chunks(7, payload, 30_000);

        var acks = chunks.Select(c => receiver.OnChunk(Leader, c)).ToList();

        Assert.Equal([30_000L, 60_000, 70_000], acks.Select(a => a.NextOffset));
        Assert.All(acks, a => Assert.Equal((7UL, false), (a.TransferId, a.Abort)));
        var received = await _raft.ExpectMsgAsync<SnapshotReceived>();
        Assert.Same(Header, received.Message);
        Assert.Equal(Folder, Path.GetDirectoryName(received.PayloadPath));
        Assert.Equal(payload, await File.ReadAllBytesAsync(received.PayloadPath));
        await _raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Nothing_is_handed_over_before_the_last_chunk()
    {
        using var receiver = Receiver();
        var chunks = Chunks(7, Payload(3_000), 1_000);

        receiver.OnChunk(Leader, chunks[0]);
        receiver.OnChunk(Leader, chunks[1]);

        await _raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Assert.Single(Directory.GetFiles(Folder));
    }

    [Fact]
    public async Task Aborted_snapshot_leaves_no_file_and_tells_nobody()
    {
        // A chunk is missing (a gap): the transfer is abandoned, not patched.
        using var receiver = Receiver();
        var chunks = Chunks(7, Payload(3_000), 1_000);
        receiver.OnChunk(Leader, chunks[0]);
        Assert.Single(Directory.GetFiles(Folder));

        var ack = receiver.OnChunk(Leader, chunks[2]);

        Assert.True(ack.Abort);
        Assert.Equal((7UL, 1_000L), (ack.TransferId, ack.NextOffset));
        Assert.Contains("offset 2000, expected 1000", ack.Reason, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Folder));
        await _raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        // The rest of that transfer is refused too: it must start over.
        Assert.True(receiver.OnChunk(Leader, chunks[1]).Abort);
        Assert.Empty(Directory.GetFiles(Folder));
    }

    [Fact]
    public async Task A_payload_whose_CRC_does_not_match_is_aborted_and_deleted()
    {
        using var receiver = Receiver();
        var chunks = Chunks(7, Payload(2_000), 1_000);
        receiver.OnChunk(Leader, chunks[0]);

        var ack = receiver.OnChunk(Leader, chunks[1] with { PayloadCrc = chunks[1].PayloadCrc ^ 1 });

        Assert.True(ack.Abort);
        Assert.Contains("CRC", ack.Reason, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Folder));
        await _raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Snapshot_beyond_the_cap_fails_before_writing_the_excess_and_its_abort_deletes_it()
    {
        using var receiver = Receiver(maxBytes: 1000);
        var chunks = Chunks(7, Payload(1_001), 600);
        var first = receiver.OnChunk(Leader, chunks[0]);
        Assert.Equal((false, 600L), (first.Abort, first.NextOffset));

        var ack = receiver.OnChunk(Leader, chunks[1]);

        Assert.True(ack.Abort);
        Assert.Equal(600, ack.NextOffset);
        Assert.Contains("exceeds 1000 bytes", ack.Reason, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Folder));
        await _raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_snapshot_exactly_at_the_cap_is_accepted()
    {
        using var receiver = Receiver(maxBytes: 1000);

        var acks = Chunks(7, Payload(1_000), 600).Select(c => receiver.OnChunk(Leader, c)).ToList();

        Assert.DoesNotContain(acks, a => a.Abort);
        _raft.ExpectMsg<SnapshotReceived>();
    }

    [Fact]
    public void A_transfer_must_begin_at_offset_zero_with_the_snapshot_message()
    {
        using var receiver = Receiver();
        var chunks = Chunks(7, Payload(2_000), 1_000);

        var late = receiver.OnChunk(Leader, chunks[1]);
        var headerless = receiver.OnChunk(Leader, chunks[0] with { Header = Header with { Snapshot = null } });

        Assert.True(late.Abort);
        Assert.True(headerless.Abort);
        Assert.Contains("offset 0", late.Reason, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Folder));
    }

    [Fact]
    public async Task A_new_transfer_from_the_same_peer_replaces_the_older_one()
    {
        // The leader gave up on transfer 7 (timeout, new term) and starts transfer 8.
        using var receiver = Receiver();
        var older = Chunks(7, Payload(2_000, seed: 1), 1_000);
        var newer = Chunks(8, Payload(1_500, seed: 2), 1_000);
        receiver.OnChunk(Leader, older[0]);

        Assert.All(newer, c => Assert.False(receiver.OnChunk(Leader, c).Abort));

        var received = await _raft.ExpectMsgAsync<SnapshotReceived>();
        Assert.Equal(Payload(1_500, seed: 2), await File.ReadAllBytesAsync(received.PayloadPath));
        Assert.Equal([received.PayloadPath], Directory.GetFiles(Folder));
        // A late chunk of the replaced transfer does not revive it.
        Assert.True(receiver.OnChunk(Leader, older[1]).Abort);
        await _raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Concurrent_transfers_from_different_peers_get_their_own_files()
    {
        using var receiver = Receiver();
        var fromOne = Chunks(7, [1], 1_000);
        var fromThree = Chunks(7, [3, 3], 1_000, Header with { From = 3 });

        receiver.OnChunk(1, fromOne[0] with { Last = false, PayloadCrc = 0 });
        receiver.OnChunk(3, fromThree[0]);
        receiver.OnChunk(1, new SnapshotChunk(7, null, 1, [], Last: true, Crc32C.Compute([1])));

        var first = await _raft.ExpectMsgAsync<SnapshotReceived>();
        var second = await _raft.ExpectMsgAsync<SnapshotReceived>();
        Assert.Equal(3UL, first.Message.From);
        Assert.Equal(new byte[] { 3, 3 }, await File.ReadAllBytesAsync(first.PayloadPath));
        Assert.Equal(new byte[] { 1 }, await File.ReadAllBytesAsync(second.PayloadPath));
        Assert.NotEqual(first.PayloadPath, second.PayloadPath);
    }

    [Fact]
    public async Task Disposing_mid_transfer_deletes_the_partial_file_and_tells_nobody()
    {
        var receiver = Receiver();
        receiver.OnChunk(Leader, Chunks(7, Payload(2_000), 1_000)[0]);
        Assert.Single(Directory.GetFiles(Folder));

        receiver.Dispose();

        Assert.Empty(Directory.GetFiles(Folder));
        await _raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Leftovers_of_an_interrupted_transfer_are_deleted_at_start()
    {
        Directory.CreateDirectory(Folder);
        var leftover = Path.Combine(Folder, "from-1-index-9-term-1-1.snapshot");
        File.WriteAllBytes(leftover, [1, 2, 3]);
        var unrelated = Path.Combine(_dataDirectory, "journal.db");
        File.WriteAllBytes(unrelated, [4]);

        using var receiver = Receiver();

        Assert.False(File.Exists(leftover));
        Assert.True(File.Exists(unrelated));
    }

    [Fact]
    public void Settings_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Receiver(maxBytes: 0));
        Assert.Throws<ArgumentException>(() => new SnapshotReceiver(" ", _raft.Ref, NullLogger.Instance, LocalNode));
        Assert.Equal(64L << 30, SnapshotReceiver.DefaultMaxSnapshotBytes);
    }
}
