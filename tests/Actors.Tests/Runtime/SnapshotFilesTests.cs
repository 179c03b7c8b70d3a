using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>The payload files of stored snapshots: adopted under their canonical name, measured, and checked before use.</summary>
public sealed class SnapshotFilesTests : IDisposable
{
    private static readonly SnapshotMetadata Meta = new(42, 7, new ConfState([1, 2, 3]));

    private readonly string _data = Directory.CreateTempSubdirectory("raftactors-snapshot-files-").FullName;
    private readonly NodeSettings _node;

    public SnapshotFilesTests()
    {
        _node = new NodeSettings
        {
            PersistenceId = "raft-test-1",
            AdvertisedAddress = "127.0.0.1:1",
            DataDirectory = _data,
            Authenticator = new PeerAuthenticator("test", "0123456789abcdef-secret"u8, 1),
            MaxFrameBodyBytes = 64 * 1024,
        };
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private string Staged(byte[] payload, string name = "staged.tmp")
    {
        var folder = Path.Combine(_data, "snapshots-outgoing");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, payload);
        return path;
    }

    private static byte[] Payload(int size, int seed = 3)
    {
        var payload = new byte[size];
        new Random(seed).NextBytes(payload);
        return payload;
    }

    [Fact]
    public void Adopt_moves_the_payload_into_the_snapshots_folder_and_measures_it()
    {
        var payload = Payload(200_000);
        var staged = Staged(payload);

        var reference = SnapshotFiles.Adopt(_node, Meta, staged);

        Assert.Equal(Meta, reference.Metadata);
        Assert.Equal("snapshot-00000000000000000042-7.bin", reference.FileName);
        Assert.Equal(payload.Length, reference.Length);
        Assert.Equal(Crc32C.Compute(payload), reference.Crc);
        Assert.False(File.Exists(staged));
        var stored = SnapshotFiles.PathOf(_node, reference);
        Assert.Equal(Path.Combine(_node.SnapshotsFolder, reference.FileName), stored);
        Assert.Equal(payload, File.ReadAllBytes(stored));
        SnapshotFiles.Verify(stored, reference);
    }

    [Fact]
    public void Adopt_replaces_a_file_of_the_same_snapshot()
    {
        // A crash after the move but before the journal write leaves the file: the next attempt overwrites it.
        SnapshotFiles.Adopt(_node, Meta, Staged([1, 2, 3]));

        var reference = SnapshotFiles.Adopt(_node, Meta, Staged([4, 5]));

        Assert.Equal([4, 5], File.ReadAllBytes(SnapshotFiles.PathOf(_node, reference)));
        Assert.Equal(2, reference.Length);
    }

    [Fact]
    public void Verify_detects_a_flipped_byte()
    {
        var reference = SnapshotFiles.Adopt(_node, Meta, Staged(Payload(10_000)));
        var path = SnapshotFiles.PathOf(_node, reference);
        var bytes = File.ReadAllBytes(path);
        bytes[5_000] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<IOException>(() => SnapshotFiles.Verify(path, reference));

        Assert.Contains("corrupted", error.Message, StringComparison.Ordinal);
        Assert.Contains("index 42", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_detects_a_truncation()
    {
        var reference = SnapshotFiles.Adopt(_node, Meta, Staged(Payload(10_000)));
        var path = SnapshotFiles.PathOf(_node, reference);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write)) file.SetLength(9_999);

        var error = Assert.Throws<IOException>(() => SnapshotFiles.Verify(path, reference));

        Assert.Contains("9999 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_reports_a_missing_payload()
    {
        var reference = SnapshotFiles.Adopt(_node, Meta, Staged([1]));
        var path = SnapshotFiles.PathOf(_node, reference);
        File.Delete(path);

        var error = Assert.Throws<IOException>(() => SnapshotFiles.Verify(path, reference));

        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeleteAllBut_keeps_the_named_payload_and_files_that_are_not_payloads()
    {
        var old = SnapshotFiles.Adopt(_node, Meta with { Index = 10 }, Staged([1]));
        var current = SnapshotFiles.Adopt(_node, Meta with { Index = 20 }, Staged([2]));
        var other = Path.Combine(_node.SnapshotsFolder, "notes.txt");
        File.WriteAllText(other, "not a payload");

        SnapshotFiles.DeleteAllBut(_node, current.FileName);

        Assert.False(File.Exists(SnapshotFiles.PathOf(_node, old)));
        Assert.True(File.Exists(SnapshotFiles.PathOf(_node, current)));
        Assert.True(File.Exists(other));
    }
}
