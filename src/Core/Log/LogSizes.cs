using RaftActors.Messages;

namespace RaftActors.Core;

internal static class LogSizes
{
    /// <summary>No size limit.</summary>
    public const ulong NoLimit = ulong.MaxValue;

    /// <summary>
    /// The longest prefix whose total size stays within <paramref name="maxSize"/>, but never fewer than
    /// one entry: a single entry larger than the limit must still be able to make progress.
    /// </summary>
    public static IReadOnlyList<Entry> Limit(IReadOnlyList<Entry> entries, ulong maxSize)
    {
        if (entries.Count <= 1 || maxSize == NoLimit) return entries;
        var size = (ulong)entries[0].Size;
        var limit = 1;
        for (; limit < entries.Count; limit++)
        {
            size += (ulong)entries[limit].Size;
            if (size > maxSize) break;
        }
        if (limit == entries.Count) return entries;
        var result = new Entry[limit];
        for (var i = 0; i < limit; i++) result[i] = entries[i];
        return result;
    }

    /// <summary>Bytes of payload: what counts against the uncommitted-size cap (an empty no-op counts zero).</summary>
    public static ulong PayloadSize(IReadOnlyList<Entry> entries)
    {
        ulong size = 0;
        foreach (var e in entries) size += (ulong)e.Data.Length;
        return size;
    }
}
