using System.Buffers.Binary;

namespace RaftActors.Persistence.Plugin;

/// <summary>
/// Checks a SQLite write-ahead log before SQLite reads it. SQLite stops reading the log at the first frame whose
/// checksum fails and silently treats everything after it as never written: right for a torn tail (the transaction
/// a crash interrupted was never acknowledged), wrong for a damaged frame followed by later commits, which were
/// acknowledged. This check tells the two apart:
/// <list type="bullet">
/// <item>A header that fails its own checksum is damage: SQLite writes the 32-byte header in one write inside the
/// first sector and syncs it before any commit that follows. An all-zero header (a header whose write never reached
/// the disk) is an empty log, as SQLite treats it.</item>
/// <item>A frame that fails its checksum is accepted only when no second commit frame follows it in the same log
/// generation: a commit after the damaged frame's own transaction means that transaction was synced (SQLite syncs
/// at every commit with <c>synchronous=FULL</c>), so its frames were whole on disk and have since been damaged.</item>
/// </list>
/// Frames are checked each against the checksum stored in the previous frame's header, so one damaged frame does
/// not hide what follows it. Frames of an older generation (other salts) end the log, as they do for SQLite.
/// Format: https://www.sqlite.org/fileformat2.html#walformat
/// </summary>
internal static class WriteAheadLogCheck
{
    private const int HeaderBytes = 32;
    private const int FrameHeaderBytes = 24;
    private const uint MagicLittleEndian = 0x377f0682;
    private const uint MagicBigEndian = 0x377f0683;

    /// <summary>Throws <see cref="SqliteStoreCorruptedException"/> naming <paramref name="walPath"/> when the log is damaged.</summary>
    public static void Verify(string databasePath, string walPath)
    {
        var info = new FileInfo(walPath);
        if (!info.Exists || info.Length == 0) return;
        using var file = new FileStream(walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var header = new byte[HeaderBytes];
        if (file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
        {
            // A header never written whole: the log holds no frame SQLite would read.
            if (header.AsSpan(0, (int)Math.Min(info.Length, HeaderBytes)).ContainsAnyExcept((byte)0))
                throw Damaged(walPath, databasePath, $"the header is cut short ({info.Length} bytes)");
            return;
        }
        if (!header.AsSpan().ContainsAnyExcept((byte)0)) return;
        var magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic is not (MagicLittleEndian or MagicBigEndian))
            throw Damaged(walPath, databasePath, $"the header has magic 0x{magic:x8}, not a write-ahead log's");
        var bigEndian = magic == MagicBigEndian;
        var stored = (BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(24)), BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(28)));
        if (Checksum(bigEndian, (0, 0), header.AsSpan(0, 24)) != stored)
            throw Damaged(walPath, databasePath, "the header checksum does not match");
        var pageSize = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
        if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0)
            throw Damaged(walPath, databasePath, $"the header records page size {pageSize}");
        CheckFrames(file, header, pageSize, bigEndian, stored, walPath, databasePath);
    }

    private static void CheckFrames(FileStream file, byte[] header, int pageSize, bool bigEndian, (uint, uint) seed,
        string walPath, string databasePath)
    {
        var salts = header.AsSpan(16, 8).ToArray();
        var frame = new byte[FrameHeaderBytes + pageSize];
        long? firstDamaged = null;
        var commitsSinceDamage = 0;
        for (long index = 0; file.ReadAtLeast(frame, frame.Length, throwOnEndOfStream: false) == frame.Length; index++)
        {
            if (!frame.AsSpan(8, 8).SequenceEqual(salts)) return;
            var stored = (BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(16)), BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(20)));
            var computed = Checksum(bigEndian, Checksum(bigEndian, seed, frame.AsSpan(0, 8)), frame.AsSpan(FrameHeaderBytes));
            var isCommit = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(4)) != 0;
            var valid = computed == stored;
            if (!valid) firstDamaged ??= index;
            if (firstDamaged is { } damaged && isCommit && ++commitsSinceDamage >= 2 && valid)
                throw Damaged(walPath, databasePath,
                    $"frame {damaged} fails its checksum but transactions committed after it follow; SQLite would drop them silently");
            seed = stored;
        }
    }

    /// <summary>SQLite's write-ahead-log checksum: two running sums over 32-bit words in the log's byte order.</summary>
    private static (uint, uint) Checksum(bool bigEndian, (uint S0, uint S1) seed, ReadOnlySpan<byte> data)
    {
        var (s0, s1) = seed;
        for (var i = 0; i + 8 <= data.Length; i += 8)
        {
            var x0 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[i..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            var x1 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[(i + 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            s0 += x0 + s1;
            s1 += x1 + s0;
        }
        return (s0, s1);
    }

    private static SqliteStoreCorruptedException Damaged(string walPath, string databasePath, string problem) =>
        new(databasePath, $"write-ahead log {walPath}", problem);
}
