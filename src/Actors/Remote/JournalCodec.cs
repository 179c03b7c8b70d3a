using System.Buffers;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;

namespace RaftActors.Actors.Remote;

/// <summary>
/// The binary form of the RaftActor's journal records (<see cref="ReadyPersisted"/>, <see cref="NodeIncarnated"/>,
/// <see cref="AddressesChanged"/>, <see cref="RaftActorSnapshot"/>). Each starts with <see cref="Version"/>; Raft
/// values (entries, hard state, snapshot metadata) are RaftCodec encodings nested with a length prefix. The
/// journal is read back after crashes and may be damaged: decoding checks every length against what is left
/// and throws <see cref="CodecException"/> on anything malformed.
/// </summary>
internal static class JournalCodec
{
    public const byte Version = 1;

    /// <summary>Longest address (<c>host:port</c> or an Akka address) accepted, in UTF-8 bytes.</summary>
    public const int MaxAddressBytes = 1024;

    /// <summary>Longest snapshot file name accepted, in UTF-8 bytes (the common file-system limit).</summary>
    public const int MaxFileNameBytes = 255;

    // The smallest a nested entry is: length prefix, version, tag, term, index, type, data length.
    private const int MinNestedEntrySize = 7;

    // The smallest an address-book row is: node id and string length.
    private const int MinAddressSize = 2;

    public static byte[] Encode(ReadyPersisted ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        return Write(ready, static (w, r) =>
        {
            w.Bool(r.HardState is not null);
            if (r.HardState is { } state) w.Bytes(RaftCodec.Encode(state));
            WriteEntries(w, r.Entries);
            w.Bool(r.Snapshot is not null);
            if (r.Snapshot is not null) WriteReference(w, r.Snapshot);
        });
    }

    public static ReadyPersisted DecodeReadyPersisted(ReadOnlySpan<byte> input)
    {
        var r = Open(input);
        HardState? state = r.Bool() ? RaftCodec.DecodeHardState(WireExtras.Nested(input, ref r, "hard state")) : null;
        var entries = ReadEntries(input, ref r);
        var snapshot = r.Bool() ? ReadReference(input, ref r) : null;
        r.End(nameof(ReadyPersisted));
        return new ReadyPersisted(state, entries, snapshot);
    }

    public static byte[] Encode(NodeIncarnated incarnated)
    {
        ArgumentNullException.ThrowIfNull(incarnated);
        return Write(incarnated, static (w, i) => w.VarUInt(i.Incarnation));
    }

    public static NodeIncarnated DecodeNodeIncarnated(ReadOnlySpan<byte> input)
    {
        var r = Open(input);
        var incarnation = r.VarUInt();
        r.End(nameof(NodeIncarnated));
        return new NodeIncarnated(incarnation);
    }

    public static byte[] Encode(AddressesChanged changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        return Write(changed, static (w, c) => WriteAddresses(w, c.Addresses));
    }

    public static AddressesChanged DecodeAddressesChanged(ReadOnlySpan<byte> input)
    {
        var r = Open(input);
        var addresses = ReadAddresses(ref r);
        r.End(nameof(AddressesChanged));
        return new AddressesChanged(addresses);
    }

    public static byte[] Encode(RaftActorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        // It holds the kept log (up to twice KeepEntriesAfterSnapshot entries, megabytes): sized up front, so the
        // buffer is not grown by doubling through the large object heap on every snapshot.
        long estimate = 4096;
        foreach (var entry in snapshot.Entries) estimate += entry.Data.Length + 48;
        foreach (var (_, address) in snapshot.Addresses) estimate += 16 + 3 * address.Length;
        return Write(snapshot, static (w, s) =>
        {
            WriteReference(w, s.Snapshot);
            w.Bytes(RaftCodec.Encode(s.HardState));
            w.VarUInt(s.LogBaseIndex);
            w.VarUInt(s.LogBaseTerm);
            WriteEntries(w, s.Entries);
            WriteAddresses(w, s.Addresses);
            w.VarUInt(s.Incarnation);
        }, (int)Math.Min(estimate, Array.MaxLength));
    }

    public static RaftActorSnapshot DecodeRaftActorSnapshot(ReadOnlySpan<byte> input)
    {
        var r = Open(input);
        var reference = ReadReference(input, ref r);
        var state = RaftCodec.DecodeHardState(WireExtras.Nested(input, ref r, "hard state"));
        var baseIndex = r.VarUInt();
        var baseTerm = r.VarUInt();
        var entries = ReadEntries(input, ref r);
        var addresses = ReadAddresses(ref r);
        var incarnation = r.VarUInt();
        r.End(nameof(RaftActorSnapshot));
        return new RaftActorSnapshot(reference, state, baseIndex, baseTerm, entries, addresses, incarnation);
    }

    private static byte[] Write<T>(T value, Action<WireWriter, T> body, int sizeHint = 0)
    {
        // A rented buffer is kept only up to EncodeBuffers.RetainedBytes; a larger encoding gets a buffer of its own.
        var buffer = sizeHint > EncodeBuffers.RetainedBytes ? new ArrayBufferWriter<byte>(sizeHint) : EncodeBuffers.Rent();
        var w = new WireWriter(buffer);
        w.Byte(Version);
        body(w, value);
        return EncodeBuffers.ToArrayAndReturn(buffer);
    }

    private static WireReader Open(ReadOnlySpan<byte> input)
    {
        var r = new WireReader(input);
        WireExtras.Version(ref r, Version, "journal record");
        return r;
    }

    private static void WriteEntries(WireWriter w, IReadOnlyList<Entry> entries)
    {
        w.VarUInt((ulong)entries.Count);
        foreach (var entry in entries) w.Nested(entry, RaftCodec.Encode);
    }

    private static Entry[] ReadEntries(ReadOnlySpan<byte> input, ref WireReader r)
    {
        var count = r.Count(MinNestedEntrySize, "entry");
        if (count == 0) return [];
        var entries = new Entry[count];
        for (var i = 0; i < count; i++) entries[i] = RaftCodec.DecodeEntry(WireExtras.Nested(input, ref r, "entry"));
        return entries;
    }

    private static void WriteReference(WireWriter w, SnapshotReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        CheckFileName(reference.FileName);
        w.Bytes(RaftCodec.Encode(reference.Metadata));
        w.String(reference.FileName);
        w.Length(reference.Length, nameof(reference.Length));
        w.UInt32(reference.Crc);
    }

    private static SnapshotReference ReadReference(ReadOnlySpan<byte> input, ref WireReader r)
    {
        var metadata = RaftCodec.DecodeSnapshotMetadata(WireExtras.Nested(input, ref r, "snapshot metadata"));
        var fileName = r.String(MaxFileNameBytes);
        if (!IsPlainFileName(fileName)) throw new CodecException($"snapshot file name '{Printable(fileName)}' is not a plain file name");
        var length = WireExtras.Length(ref r, "snapshot length");
        return new SnapshotReference(metadata, fileName, length, r.UInt32());
    }

    private static void WriteAddresses(WireWriter w, IReadOnlyDictionary<ulong, string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        w.VarUInt((ulong)addresses.Count);
        // Sorted, so one address book always has one encoding.
        foreach (var (id, address) in addresses.OrderBy(pair => pair.Key))
        {
            if (id == 0) throw new ArgumentException("node id 0 is not a node", nameof(addresses));
            if (System.Text.Encoding.UTF8.GetByteCount(address) > MaxAddressBytes)
            {
                throw new ArgumentException($"the address of node {id} is longer than {MaxAddressBytes} bytes", nameof(addresses));
            }
            w.VarUInt(id);
            w.String(address);
        }
    }

    private static Dictionary<ulong, string> ReadAddresses(ref WireReader r)
    {
        var count = r.Count(MinAddressSize, "address");
        // Not pre-sized: the dictionary grows with rows actually read, never with a declared count.
        var addresses = new Dictionary<ulong, string>();
        for (var i = 0; i < count; i++)
        {
            var id = r.VarUInt();
            if (id == 0) throw new CodecException("the address book names node id 0");
            if (!addresses.TryAdd(id, r.String(MaxAddressBytes))) throw new CodecException($"the address book names node {id} twice");
        }
        return addresses;
    }

    private static void CheckFileName(string fileName)
    {
        if (!IsPlainFileName(fileName) || System.Text.Encoding.UTF8.GetByteCount(fileName) > MaxFileNameBytes)
        {
            throw new ArgumentException($"snapshot file name '{fileName}' is not a plain file name of at most {MaxFileNameBytes} bytes", nameof(fileName));
        }
    }

    // The name is joined to the snapshots folder: a damaged or forged record must not point outside it.
    private static bool IsPlainFileName(string name) =>
        name.Length > 0 && name != "." && name != ".." && name.IndexOfAny(['/', '\\', '\0']) < 0;

    private static string Printable(string text) =>
        new([.. text.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
}
