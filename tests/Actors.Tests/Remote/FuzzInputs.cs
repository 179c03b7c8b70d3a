using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Remote;

/// <summary>
/// Valid values of every serialized type drawn from a seeded random source, and the ways the fuzz test breaks
/// their encodings: random bytes, truncations, bit flips, hostile varints, splices and trailing bytes.
/// </summary>
internal static class FuzzInputs
{
    public enum Mutation
    {
        RandomBytes,
        Truncation,
        BitFlips,
        HostileVarint,
        Splice,
        Trailing,
        OtherTypesBytes,
        Valid,
    }

    // Varints a hostile peer would send: 2^64 - 1, 2^63, lengths around int.MaxValue, overlong and overflowing ones.
    private static readonly byte[][] HostileVarints =
    [
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        [0xFF, 0xFF, 0xFF, 0xFF, 0x07],
        [0x80, 0x80, 0x80, 0x80, 0x08],
        [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02],
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
        [0xFF, 0x7F],
        [0x80, 0x00],
    ];

    public static Mutation Pick(Random random) => random.Next(100) switch
    {
        < 12 => Mutation.RandomBytes,
        < 24 => Mutation.Truncation,
        < 52 => Mutation.BitFlips,
        < 72 => Mutation.HostileVarint,
        < 84 => Mutation.Splice,
        < 90 => Mutation.Trailing,
        < 96 => Mutation.OtherTypesBytes,
        _ => Mutation.Valid,
    };

    /// <summary>An input for a decoder built from <paramref name="valid"/> (an encoding of the decoder's own type).</summary>
    public static byte[] Make(Random random, Mutation mutation, byte[] valid, byte[] otherType)
    {
        switch (mutation)
        {
            case Mutation.RandomBytes:
                var bytes = new byte[random.Next(0, 96)];
                random.NextBytes(bytes);
                if (bytes.Length > 0 && random.Next(4) != 0) bytes[0] = valid[0]; // get past the version check mostly
                return bytes;
            case Mutation.Truncation:
                return valid[..random.Next(valid.Length)];
            case Mutation.BitFlips:
                var flipped = (byte[])valid.Clone();
                for (var n = random.Next(1, 5); n > 0; n--)
                {
                    // Mostly after the version byte, where flips reach the decoders' field checks.
                    var bit = random.Next(Math.Min(8, flipped.Length * 8 - 1), flipped.Length * 8);
                    flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                }
                return flipped;
            case Mutation.HostileVarint:
                var hostile = HostileVarints[random.Next(HostileVarints.Length)];
                var at = random.Next(1, Math.Max(2, valid.Length));
                // Overwrite (a length or count now claims too much) or insert (everything after shifts).
                return random.Next(2) == 0
                    ? [.. valid.AsSpan(0, Math.Min(at, valid.Length)), .. hostile, .. valid.AsSpan(Math.Min(valid.Length, at + hostile.Length))]
                    : [.. valid.AsSpan(0, Math.Min(at, valid.Length)), .. hostile, .. valid.AsSpan(Math.Min(at, valid.Length))];
            case Mutation.Splice:
                var from = random.Next(valid.Length);
                var length = random.Next(0, Math.Min(16, valid.Length - from) + 1);
                var filler = new byte[random.Next(0, 17)];
                random.NextBytes(filler);
                return [.. valid.AsSpan(0, from), .. filler, .. valid.AsSpan(from + length)];
            case Mutation.Trailing:
                var tail = new byte[random.Next(1, 9)];
                random.NextBytes(tail);
                return [.. valid, .. tail];
            case Mutation.OtherTypesBytes:
                return otherType;
            default:
                return valid;
        }
    }

    public static ulong Number(Random random) => random.Next(4) switch
    {
        0 => (ulong)random.Next(0, 130),
        1 => (ulong)random.NextInt64(),
        2 => ulong.MaxValue - (ulong)random.Next(3),
        _ => (ulong)random.Next(),
    };

    public static byte[] Bytes(Random random, int max)
    {
        var bytes = new byte[random.Next(0, max + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    public static PeerFrame Frame(Random random) => new(Number(random), Number(random), Number(random), Number(random),
        (PeerPayloadKind)random.Next(1, 6), random.Next(3) == 0 ? RaftMessagesBody(random) : Bytes(random, 200), RandomMac(random));

    private static byte[] RandomMac(Random random)
    {
        var mac = new byte[PeerAuthenticator.MacSize];
        random.NextBytes(mac);
        return mac;
    }

    public static ReadyPersisted Ready(Random random) => new(
        random.Next(2) == 0 ? null : new HardState(Number(random), Number(random), Number(random)),
        EntryList(random), random.Next(2) == 0 ? null : Reference(random));

    public static NodeIncarnated Incarnated(Random random) => new(Number(random));

    public static AddressesChanged Addresses(Random random) => new(AddressBook(random));

    public static RaftActorSnapshot ActorSnapshot(Random random) => new(Reference(random),
        new HardState(Number(random), Number(random), Number(random)), Number(random), Number(random), EntryList(random),
        AddressBook(random), Number(random));

    public static RaftMessage Message(Random random) => new()
    {
        Type = (MessageType)random.Next(0, 19), To = Number(random), From = Number(random), Term = Number(random),
        LogTerm = Number(random), Index = Number(random), Commit = Number(random), Reject = random.Next(2) == 0,
        RejectHint = Number(random), Context = Bytes(random, 8), Entries = EntryList(random),
        Snapshot = random.Next(4) == 0 ? new Snapshot(Metadata(random), Bytes(random, 16)) : null,
    };

    public static byte[] RaftMessagesBody(Random random) =>
        PeerBodyCodec.EncodeRaftMessages([.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => Message(random))]);

    public static byte[] ChunkBody(Random random)
    {
        var first = random.Next(3) == 0;
        var header = first ? new RaftMessage { Type = MessageType.Snapshot, From = 1, To = 2, Term = Number(random), Snapshot = new Snapshot(Metadata(random)) } : null;
        return PeerBodyCodec.Encode(new SnapshotChunk(Number(random), header, first ? 0 : random.NextInt64(1, long.MaxValue / 2),
            Bytes(random, 200), random.Next(2) == 0, (uint)random.Next()));
    }

    public static byte[] AckBody(Random random) =>
        PeerBodyCodec.Encode(new SnapshotAck(Number(random), random.NextInt64(0, long.MaxValue), random.Next(2) == 0, random.Next(2) == 0 ? "" : "receiver's disk is full"));

    public static byte[] ForwardBody(Random random) => random.Next(2) == 0
        ? ForwardCodec.Encode(new ForwardRequest(Number(random), (ForwardOperation)random.Next(1, 5), "kv", Bytes(random, 64), Number(random), Number(random), Number(random)))
        : ForwardCodec.Encode(new ForwardResponse(Number(random), random.Next(2) == 0 ? null : RaftErrorCode.Timeout, "message", Bytes(random, 64)));

    public static byte[] ForwardBatchBody(Random random) =>
        PeerBodyCodec.EncodeForwardBatch([.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => ForwardBody(random))]);

    private static Entry[] EntryList(Random random) =>
        [.. Enumerable.Range(0, random.Next(0, 5)).Select(_ => new Entry(Number(random), Number(random), (EntryType)random.Next(2), Bytes(random, 40)))];

    private static SnapshotMetadata Metadata(Random random) => new(Number(random), Number(random),
        new ConfState(Ids(random), Ids(random), Ids(random), Ids(random), random.Next(2) == 0));

    private static ulong[] Ids(Random random) => [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => Number(random))];

    private static SnapshotReference Reference(Random random) =>
        new(Metadata(random), $"snap-{random.Next()}.bin", random.NextInt64(0, long.MaxValue), (uint)random.Next());

    private static Dictionary<ulong, string> AddressBook(Random random)
    {
        var book = new Dictionary<ulong, string>();
        for (var n = random.Next(0, 4); n > 0; n--) book[Number(random) | 1] = $"10.0.0.{random.Next(256)}:{random.Next(65536)}";
        return book;
    }
}
