using System.Collections.Concurrent;
using RaftActors.Host.Node;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// node.json (which may hold the generated secret) is owner-only from the moment it exists, replaced atomically,
/// and its folder fsynced after the rename.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DurableFilesTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_temporary_file_is_owner_only_while_it_is_written_even_over_a_readable_leftover()
    {
        var path = _dir.Sub("file.json");
        // A leftover of a crash, readable by everyone: the new temporary file must not inherit its mode.
        File.WriteAllText(path + ".tmp", "old");
        File.SetUnixFileMode(path + ".tmp", OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        UnixFileMode? whileWriting = null;
        DurableFiles.Write(path, stream =>
        {
            whileWriting = File.GetUnixFileMode(path + ".tmp");
            stream.Write("new"u8);
        });
        Assert.Equal(OwnerOnly, whileWriting);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal("new", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void The_state_file_with_a_generated_secret_is_mode_600_and_its_folder_is_synced_after_the_rename()
    {
        var dataDir = _dir.Sub("data");
        var synced = new ConcurrentBag<string>();
        void OnSynced(string folder) => synced.Add(folder);
        DurableFiles.FolderSynced += OnSynced;
        try
        {
            new NodeStateFile(1, "c", "127.0.0.1:7001", Joined: false, Secret: "generated-secret-0123456789").Save(dataDir);
        }
        finally
        {
            DurableFiles.FolderSynced -= OnSynced;
        }
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(NodeStateFile.PathIn(dataDir)));
        Assert.Contains(Path.GetFullPath(dataDir), synced);
        Assert.Equal("generated-secret-0123456789", NodeStateFile.Load(dataDir)!.Secret);
    }

    [Fact]
    public async Task A_state_file_being_rewritten_reads_as_the_old_or_the_new_never_half()
    {
        var dataDir = _dir.Sub("atomic");
        // Large enough that a write in place would be caught half done.
        var a = new NodeStateFile(1, "c", "127.0.0.1:7001", Joined: false, Secret: new string('a', 256 * 1024));
        var b = new NodeStateFile(2, "c", "127.0.0.1:7002", Joined: true, Secret: new string('b', 256 * 1024));
        a.Save(dataDir);
        using var done = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            try
            {
                for (var i = 0; i < 200; i++) (i % 2 == 0 ? b : a).Save(dataDir);
            }
            finally
            {
                done.Cancel();
            }
        });
        var reads = 0;
        while (!done.IsCancellationRequested)
        {
            var state = NodeStateFile.Load(dataDir);
            Assert.True(state == a || state == b, $"read {reads}: {state?.NodeId}");
            reads++;
        }
        await writer;
        Assert.True(reads > 0);
    }

    [Fact]
    public void Syncing_a_folder_reaches_fsync_and_a_missing_folder_is_an_error()
    {
        DurableFiles.SyncFolder(_dir.Path);
        Assert.Throws<IOException>(() => DurableFiles.SyncFolder(_dir.Sub("missing")));
    }
}
