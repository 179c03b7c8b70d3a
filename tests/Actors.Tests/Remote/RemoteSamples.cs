using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Remote;

/// <summary>Values of every serialized type, edge values included, and field-by-field comparisons of them.</summary>
internal static class RemoteSamples
{
    public const string ClusterId = "cluster-a";

    public static readonly byte[] Secret = "0123456789abcdef-cluster-secret"u8.ToArray();

    public static readonly ConfState Conf = new([1, 2, 3], [4], [1, 2], [5], autoLeave: true);

    public static readonly SnapshotMetadata Metadata = new(1200, 7, Conf);

    public static Entry[] Entries(int count, int dataSize, ulong firstIndex = 1) =>
        [.. Enumerable.Range(0, count).Select(i => new Entry(3, firstIndex + (ulong)i, i % 5 == 4 ? EntryType.ConfChange : EntryType.Normal,
            [.. Enumerable.Range(0, dataSize).Select(b => (byte)(b + i))]))];

    public static SnapshotReference Reference(string fileName = "snap-0000000000001200-7.bin") =>
        new(Metadata, fileName, 1L << 40, 0xDEADBEEF);

    public static RaftMessage Append(ulong to = 2, int entries = 3) => new()
    {
        Type = MessageType.Append, From = 1, To = to, Term = 3, LogTerm = 3, Index = 10, Commit = 9,
        Entries = Entries(entries, 16, 11), Context = [1, 2, 3],
    };

    public static RaftMessage SnapshotHeader() => new()
    {
        Type = MessageType.Snapshot, From = 1, To = 2, Term = 7, Snapshot = new Snapshot(Metadata),
    };

    /// <summary>Every journal record and frame shape the serializer binds, each with its manifest.</summary>
    public static IEnumerable<(string Name, object Value)> AllValues()
    {
        yield return ("ready, everything", new ReadyPersisted(new HardState(3, 2, 9), Entries(5, 32), Reference()));
        yield return ("ready, empty", new ReadyPersisted(null, [], null));
        yield return ("ready, max values", new ReadyPersisted(new HardState(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue),
            [new Entry(ulong.MaxValue, ulong.MaxValue, EntryType.Normal, [])],
            new SnapshotReference(new SnapshotMetadata(ulong.MaxValue, ulong.MaxValue, ConfState.Empty), "x", long.MaxValue, uint.MaxValue)));
        yield return ("ready, large", new ReadyPersisted(new HardState(1, 1, 1), Entries(64, 2048), null));
        yield return ("incarnated, zero", new NodeIncarnated(0));
        yield return ("incarnated, max", new NodeIncarnated(ulong.MaxValue));
        yield return ("addresses, some", new AddressesChanged(new Dictionary<ulong, string>
        {
            [3] = "akka.tcp://raft@10.0.0.3:4053", [1] = "10.0.0.1:4053", [ulong.MaxValue] = "ünïcødé-host:1",
        }));
        yield return ("addresses, none", new AddressesChanged(new Dictionary<ulong, string>()));
        yield return ("snapshot, everything", new RaftActorSnapshot(Reference(), new HardState(7, 1, 1200), 1200, 7, Entries(10, 8, 1201),
            new Dictionary<ulong, string> { [1] = "a:1", [2] = "b:2" }, 42));
        yield return ("snapshot, empty lists", new RaftActorSnapshot(Reference("s"), default, 0, 0, [], new Dictionary<ulong, string>(), 0));
        yield return ("snapshot, max values", new RaftActorSnapshot(Reference(), new HardState(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue),
            ulong.MaxValue, ulong.MaxValue, [], new Dictionary<ulong, string> { [ulong.MaxValue] = "" }, ulong.MaxValue));
        yield return ("frame, messages", Frame(1, 2, 5, PeerPayloadKind.RaftMessages, PeerBodyCodec.EncodeRaftMessages([Append(), Append(entries: 0)])));
        yield return ("frame, empty body", Frame(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, PeerPayloadKind.SnapshotAck, []));
        yield return ("frame, large body", Frame(1, 2, 1, PeerPayloadKind.SnapshotChunk, [.. Enumerable.Range(0, 100_000).Select(i => (byte)i)]));
    }

    public static PeerFrame Frame(ulong from, ulong to, ulong sequence, PeerPayloadKind kind, byte[] body) =>
        new(ulong.MaxValue - 1, from, to, sequence, kind, body, [.. Enumerable.Range(0, PeerAuthenticator.MacSize).Select(i => (byte)(i * 7))]);

    /// <summary>Asserts that <paramref name="actual"/> holds the same values as <paramref name="expected"/>.</summary>
    public static void AssertSame(object expected, object actual)
    {
        Assert.IsType(expected.GetType(), actual);
        switch (expected)
        {
            case PeerFrame e:
                var a = (PeerFrame)actual;
                Assert.Equal((e.ClusterTag, e.From, e.To, e.Sequence, e.Kind), (a.ClusterTag, a.From, a.To, a.Sequence, a.Kind));
                Assert.Equal(e.Body.ToArray(), a.Body.ToArray());
                Assert.Equal(e.Mac, a.Mac);
                break;
            case ReadyPersisted e:
                var r = (ReadyPersisted)actual;
                Assert.Equal(e.HardState, r.HardState);
                Assert.Equal(e.Entries, r.Entries);
                Assert.Equal(e.Snapshot, r.Snapshot);
                break;
            case NodeIncarnated e:
                Assert.Equal(e, actual);
                break;
            case AddressesChanged e:
                Assert.Equal(e.Addresses.OrderBy(p => p.Key), ((AddressesChanged)actual).Addresses.OrderBy(p => p.Key));
                break;
            case RaftActorSnapshot e:
                var s = (RaftActorSnapshot)actual;
                Assert.Equal(e.Snapshot, s.Snapshot);
                Assert.Equal((e.HardState, e.LogBaseIndex, e.LogBaseTerm, e.Incarnation), (s.HardState, s.LogBaseIndex, s.LogBaseTerm, s.Incarnation));
                Assert.Equal(e.Entries, s.Entries);
                Assert.Equal(e.Addresses.OrderBy(p => p.Key), s.Addresses.OrderBy(p => p.Key));
                break;
            default:
                Assert.Fail($"no comparison for {expected.GetType()}");
                break;
        }
    }
}
