using System.Security.Cryptography;
using RaftActors.Actors.Transport;
using RaftActors.Messages;
using static RaftActors.Actors.Tests.Transport.TransportTestKit;

namespace RaftActors.Actors.Tests.Transport;

/// <summary>Snapshots travel as a header frame and chunk frames, read and written one chunk at a time.</summary>
public sealed class SnapshotStreamingTests
{
    private const long Size = 64L * 1024 * 1024;
    private const int ChunkSize = 1024 * 1024;

    private static RaftMessage SnapshotMessage(ulong from, ulong to) => new()
    {
        Type = MessageType.Snapshot, From = from, To = to, Term = 3,
        Snapshot = new Snapshot(new SnapshotMetadata(500, 3, new ConfState([1, 2, 3], [], [], [], false))),
    };

    [Fact]
    public async Task Snapshot_of_64_MiB_is_streamed_in_chunks_and_reassembled_byte_exact()
    {
        var sink = new HashingSnapshotSink();
        await using var node2 = new TestListener(Options(2), sink);
        await using var node1 = new TestSender(Options(1), 2, node2.EndPoint);
        var source = new GeneratedStream(Size, seed: 11);
        sink.OnFirstWrite = () => source.Position;

        await node1.Sender.SendSnapshotAsync(SnapshotMessage(1, 2), source).WaitAsync(Deadline);

        await WaitUntilAsync(() => !sink.Completed.IsEmpty, "the sink completed the snapshot");
        var (from, message, hash, length, writes, largestWrite) = Assert.Single(sink.Completed);
        Assert.Equal(1UL, from);
        Assert.Equal(SnapshotMessage(1, 2), message);
        Assert.Equal(Size, length);
        Assert.Equal(ExpectedHash(Size, 11), hash);
        // Streamed, not loaded: many chunk-sized writes, none larger than a chunk, and the receiver had its
        // first chunk while most of the source was still unread.
        Assert.True(writes >= Size / ChunkSize, $"{writes} writes");
        Assert.True(largestWrite <= ChunkSize, $"a write of {largestWrite} bytes");
        Assert.True(source.LargestRead <= ChunkSize, $"a read of {source.LargestRead} bytes");
        Assert.InRange(sink.SourcePositionAtFirstWrite, 1, Size / 2);
        Assert.Equal(1, node1.Sender.Stats.SnapshotsSent);
        Assert.Empty(sink.Aborted);
    }

    [Fact]
    public async Task Messages_sent_during_a_snapshot_are_delivered_and_the_snapshot_completes()
    {
        var sink = new HashingSnapshotSink();
        await using var node2 = new TestListener(Options(2) with { SnapshotChunkSize = 64 * 1024 }, sink);
        await using var node1 = new TestSender(Options(1) with { SnapshotChunkSize = 64 * 1024 }, 2, node2.EndPoint);

        var snapshot = node1.Sender.SendSnapshotAsync(SnapshotMessage(1, 2), new GeneratedStream(8 * 1024 * 1024, seed: 5));
        for (var i = 1; i <= 100; i++) node1.Sender.Send(Heartbeat(1, 2, (ulong)i));
        await snapshot.WaitAsync(Deadline);

        await WaitUntilAsync(() => node2.Inbox.Count == 100 && !sink.Completed.IsEmpty, "messages and snapshot arrived");
        Assert.Equal(ExpectedHash(8 * 1024 * 1024, 5), Assert.Single(sink.Completed).Hash);
    }

    [Fact]
    public async Task Empty_snapshot_payload_is_delivered()
    {
        var sink = new HashingSnapshotSink();
        await using var node2 = new TestListener(Options(2), sink);
        await using var node1 = new TestSender(Options(1), 2, node2.EndPoint);

        await node1.Sender.SendSnapshotAsync(SnapshotMessage(1, 2), new MemoryStream()).WaitAsync(Deadline);

        await WaitUntilAsync(() => !sink.Completed.IsEmpty, "the snapshot completed");
        Assert.Equal(0, Assert.Single(sink.Completed).Length);
    }

    [Fact]
    public async Task Unreadable_source_aborts_the_snapshot_on_both_sides_and_the_connection_survives()
    {
        var sink = new HashingSnapshotSink();
        await using var node2 = new TestListener(Options(2), sink);
        await using var node1 = new TestSender(Options(1), 2, node2.EndPoint);

        var failing = node1.Sender.SendSnapshotAsync(SnapshotMessage(1, 2), new GeneratedStream(Size, seed: 1, failAt: 3L * ChunkSize));
        await Assert.ThrowsAsync<IOException>(() => failing.WaitAsync(Deadline));

        await WaitUntilAsync(() => !sink.Aborted.IsEmpty, "the receiver aborted the snapshot");
        Assert.Contains("sender aborted", Assert.Single(sink.Aborted));
        node1.Sender.Send(Heartbeat(1, 2, 9));
        await WaitUntilAsync(() => node2.Inbox.Count == 1, "the connection still carries messages");
        Assert.Equal([true], node1.Reachability);
        Assert.Empty(sink.Completed);
    }

    [Fact]
    public async Task Snapshot_to_an_unreachable_peer_fails()
    {
        var gone = new TestListener(Options(2));
        var endPoint = gone.EndPoint;
        await gone.DisposeAsync();
        await using var node1 = new TestSender(Options(1), 2, endPoint, start: false);

        var snapshot = node1.Sender.SendSnapshotAsync(SnapshotMessage(1, 2), new GeneratedStream(1024, seed: 1));
        node1.Sender.Start();

        await Assert.ThrowsAsync<TransportException>(() => snapshot.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Connection_lost_mid_snapshot_aborts_it_at_the_receiver()
    {
        var sink = new BlockingSink();
        await using var node2 = new TestListener(Options(2), sink);
        await using var node1 = new TestSender(Options(1), 2, node2.EndPoint);

        var snapshot = node1.Sender.SendSnapshotAsync(SnapshotMessage(1, 2), new GeneratedStream(Size, seed: 2));
        await sink.Begun.Task.WaitAsync(Deadline);
        await node1.DisposeAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => snapshot.WaitAsync(Deadline));
        // Closed between frames or inside one, depending on timing; either way the open snapshot is aborted.
        Assert.NotEmpty(await sink.Aborted.Task.WaitAsync(Deadline));
    }

    private static byte[] ExpectedHash(long size, ulong seed)
    {
        using var source = new GeneratedStream(size, seed);
        return SHA256.HashData(source);
    }

    /// <summary>Accepts the first chunk's stream and records the abort reason.</summary>
    private sealed class BlockingSink : ISnapshotSink
    {
        public TaskCompletionSource Begun { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<string> Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<Stream> BeginAsync(ulong fromNode, RaftMessage message, CancellationToken cancellationToken)
        {
            Begun.TrySetResult();
            return ValueTask.FromResult(Stream.Null);
        }

        public ValueTask CompleteAsync(ulong fromNode, RaftMessage message, Stream payload, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the snapshot must not complete");

        public ValueTask AbortAsync(ulong fromNode, RaftMessage message, Stream payload, string reason)
        {
            Aborted.TrySetResult(reason);
            return ValueTask.CompletedTask;
        }
    }
}
