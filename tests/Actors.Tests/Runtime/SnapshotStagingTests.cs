using RaftActors.Actors.Runtime;
using RaftActors.Actors.Transport;
using RaftActors.Messages;
using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>The inbound snapshot sink on its own: files, the size cap, cleanup.</summary>
public sealed class SnapshotStagingTests : IAsyncLifetime
{
    private static readonly RaftMessage Header = new()
    {
        Type = MessageType.Snapshot, From = 1, To = 2, Term = 3,
        Snapshot = new Snapshot(new SnapshotMetadata(40, 3, new ConfState([1, 2]))),
    };

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("raftactors-staging-").FullName;
    private readonly ActorSystem _system;
    private readonly TestProbe _raft;

    public SnapshotStagingTests()
    {
        _system = new ActorSystem("staging");
        _raft = new TestProbe(_system);
    }

    private string Folder => Path.Combine(_dataDirectory, SnapshotStaging.FolderName);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _system.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Completed_snapshot_is_a_durable_file_handed_to_the_raft_actor()
    {
        var staging = new SnapshotStaging(_dataDirectory, _raft);
        var payload = new byte[70_000];
        new Random(5).NextBytes(payload);

        var stream = await staging.BeginAsync(1, Header, CancellationToken.None);
        await stream.WriteAsync(payload.AsMemory(0, 30_000));
        await stream.WriteAsync(payload.AsMemory(30_000));
        await staging.CompleteAsync(1, Header, stream, CancellationToken.None);

        var received = await _raft.ExpectMsgAsync<SnapshotReceived>();
        Assert.Same(Header, received.Message);
        Assert.Equal(Folder, Path.GetDirectoryName(received.PayloadPath));
        Assert.Equal(payload, await File.ReadAllBytesAsync(received.PayloadPath));
        Assert.Throws<ObjectDisposedException>(() => stream.WriteByte(1));
    }

    [Fact]
    public async Task Aborted_snapshot_leaves_no_file_and_tells_nobody()
    {
        var staging = new SnapshotStaging(_dataDirectory, _raft);
        var stream = await staging.BeginAsync(1, Header, CancellationToken.None);
        await stream.WriteAsync(new byte[1000]);
        Assert.Single(Directory.GetFiles(Folder));

        await staging.AbortAsync(1, Header, stream, "connection lost");

        Assert.Empty(Directory.GetFiles(Folder));
        await _raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Snapshot_beyond_the_cap_fails_before_writing_the_excess_and_its_abort_deletes_it()
    {
        var staging = new SnapshotStaging(_dataDirectory, _raft, maxSnapshotBytes: 1000);
        var stream = await staging.BeginAsync(1, Header, CancellationToken.None);
        await stream.WriteAsync(new byte[600]);
        await stream.WriteAsync(new byte[400]);

        var error = await Assert.ThrowsAsync<TransportException>(() => stream.WriteAsync(new byte[1]).AsTask());
        Assert.Contains("limit of 1000 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(1000, stream.Length);

        await staging.AbortAsync(1, Header, stream, error.Message);
        Assert.Empty(Directory.GetFiles(Folder));
    }

    [Fact]
    public async Task Concurrent_transfers_from_different_peers_get_their_own_files()
    {
        var staging = new SnapshotStaging(_dataDirectory, _raft);
        var a = await staging.BeginAsync(1, Header, CancellationToken.None);
        var b = await staging.BeginAsync(3, Header with { From = 3 }, CancellationToken.None);
        await a.WriteAsync(new byte[] { 1 });
        await b.WriteAsync(new byte[] { 3, 3 });
        await staging.CompleteAsync(3, Header with { From = 3 }, b, CancellationToken.None);
        await staging.CompleteAsync(1, Header, a, CancellationToken.None);

        var first = await _raft.ExpectMsgAsync<SnapshotReceived>();
        var second = await _raft.ExpectMsgAsync<SnapshotReceived>();
        Assert.Equal(new byte[] { 3, 3 }, await File.ReadAllBytesAsync(first.PayloadPath));
        Assert.Equal(new byte[] { 1 }, await File.ReadAllBytesAsync(second.PayloadPath));
    }

    [Fact]
    public void Leftovers_of_an_interrupted_transfer_are_deleted_at_start()
    {
        Directory.CreateDirectory(Folder);
        var leftover = Path.Combine(Folder, "from-1-index-9-term-1-1.snapshot");
        File.WriteAllBytes(leftover, [1, 2, 3]);
        var unrelated = Path.Combine(_dataDirectory, "journal.db");
        File.WriteAllBytes(unrelated, [4]);

        var staging = new SnapshotStaging(_dataDirectory, _raft);

        Assert.Equal(Folder, staging.Folder);
        Assert.False(File.Exists(leftover));
        Assert.True(File.Exists(unrelated));
    }

    [Fact]
    public void Settings_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SnapshotStaging(_dataDirectory, _raft, maxSnapshotBytes: 0));
        Assert.Throws<ArgumentException>(() => new SnapshotStaging(" ", _raft));
        Assert.Equal(64L << 30, new SnapshotStaging(_dataDirectory, _raft).MaxSnapshotBytes);
    }
}
