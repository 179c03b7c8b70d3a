using Akka.Actor;
using System.Globalization;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The payload files of the node's snapshots. The journal stores only a <see cref="SnapshotReference"/>
/// (name, length, CRC-32C); the payload itself is a file in the snapshots folder, made durable (the file
/// and its folder fsynced) before the reference is written, and checked against the reference before use.
/// </summary>
internal static class SnapshotFiles
{
    private const int BufferSize = 64 * 1024;

    public static string PathOf(NodeSettings node, SnapshotReference reference) => Path.Combine(node.SnapshotsFolder, reference.FileName);

    /// <summary>
    /// Takes a payload written elsewhere in the data folder (a snapshot the services wrote, or one a leader
    /// streamed here) into the snapshots folder under its canonical name, durably, and returns its reference.
    /// </summary>
    public static SnapshotReference Adopt(NodeSettings node, SnapshotMetadata meta, string sourcePath)
    {
        Directory.CreateDirectory(node.SnapshotsFolder);
        var (length, crc) = Measure(sourcePath);
        using (var file = new FileStream(sourcePath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
        {
            file.Flush(flushToDisk: true);
        }
        return Adopt(node, meta, sourcePath, length, crc);
    }

    /// <summary>
    /// Takes a payload that its writer already made durable and measured (<paramref name="length"/> bytes with CRC-32C
    /// <paramref name="crc"/>) into the snapshots folder: a rename and a folder fsync, whatever the payload's size,
    /// so the RaftActor can do it in its loop without stalling heartbeats.
    /// </summary>
    public static SnapshotReference Adopt(NodeSettings node, SnapshotMetadata meta, string sourcePath, long length, uint crc)
    {
        Directory.CreateDirectory(node.SnapshotsFolder);
        var name = string.Create(CultureInfo.InvariantCulture, $"snapshot-{meta.Index:D20}-{meta.Term}.bin");
        File.Move(sourcePath, Path.Combine(node.SnapshotsFolder, name), overwrite: true);
        DurableFile.SyncFolder(node.SnapshotsFolder);
        return new SnapshotReference(meta, name, length, crc);
    }

    /// <summary>Checks a payload file against its reference; a mismatch means the disk cannot be trusted.</summary>
    public static void Verify(string path, SnapshotReference reference)
    {
        if (!File.Exists(path)) throw new IOException($"snapshot payload '{path}' (index {reference.Metadata.Index}) is missing");
        var (length, crc) = Measure(path);
        if (length != reference.Length || crc != reference.Crc)
        {
            throw new IOException(
                $"snapshot payload '{path}' (index {reference.Metadata.Index}) is corrupted: {length} bytes with CRC {crc:x8}, the journal recorded {reference.Length} bytes with CRC {reference.Crc:x8}");
        }
    }

    /// <summary>Deletes payload files no reference names any more (older snapshots once a newer one is stored).</summary>
    public static void DeleteAllBut(NodeSettings node, string keep)
    {
        if (!Directory.Exists(node.SnapshotsFolder)) return;
        foreach (var path in Directory.EnumerateFiles(node.SnapshotsFolder, "snapshot-*.bin"))
        {
            if (string.Equals(Path.GetFileName(path), keep, StringComparison.Ordinal)) continue;
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Retried after the next snapshot.
            }
        }
    }

    private static (long Length, uint Crc) Measure(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        var buffer = new byte[BufferSize];
        uint crc = 0;
        long length = 0;
        int read;
        while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
        {
            crc = Crc32C.Append(crc, buffer.AsSpan(0, read));
            length += read;
        }
        return (length, crc);
    }
}
