using System.Text;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// A flipped byte in a stopped node's SQLite journal, inside a record's payload: the harness writes a marker
/// value through the node, waits until the node has applied it (so its journal holds the entry), stops the
/// node cleanly (so the entry is in the database file, not the write-ahead log) and flips a byte in the middle
/// of the marker's bytes in the file. The damage is then in data, never in free space or padding.
/// </summary>
internal static class JournalDamage
{
    /// <summary>Flips one bit of the middle byte of <paramref name="marker"/> in <paramref name="file"/>; returns the offset.</summary>
    public static long FlipInside(string file, string marker)
    {
        var bytes = File.ReadAllBytes(file);
        var needle = Encoding.UTF8.GetBytes(marker);
        var at = bytes.AsSpan().IndexOf(needle);
        if (at < 0)
        {
            var folder = Path.GetDirectoryName(file)!;
            var files = string.Join(", ", Directory.GetFiles(folder).Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length} B"));
            throw new InvalidOperationException($"the marker {marker} is not in {file} ({files}): the journal fault would damage nothing known");
        }
        var position = at + (needle.Length / 2);
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = position;
        var original = stream.ReadByte();
        stream.Position = position;
        stream.WriteByte((byte)(original ^ 0x04));
        stream.Flush(flushToDisk: true);
        return position;
    }
}
