using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;

namespace RaftActors.Actors.Remote;

/// <summary>
/// The Akka.NET serializer of everything RaftActors sends over Akka.Remote (<see cref="PeerFrame"/>) or stores
/// through Akka.Persistence (the records of <c>RaftEvents.cs</c>), bound in <c>serialization.conf</c>
/// (<see cref="RaftSerialization.Configuration"/>). Every encoding starts with a format version byte.
/// <para>
/// <see cref="FromBinary"/> reads untrusted bytes (a remote peer, a damaged journal): it returns a value or throws
/// <see cref="SerializationException"/>, nothing else, because Akka.Remote drops a message whose deserialization
/// throws that but may tear down the whole association on anything else. Decoders check every declared length
/// and count against the bytes left before allocating.
/// </para>
/// </summary>
public sealed class RaftSerializer : SerializerWithStringManifest
{
    /// <summary>
    /// Fixed forever: Akka stores it with every journal event and sends it with every remote message. Akka
    /// reserves 0–100; 7301 is "RaftActors serializer 1" and collides with no serializer Akka or its plugins ship.
    /// </summary>
    public const int SerializerIdentifier = 7301;

    // Manifests are stored with every event: short, stable, never reused for another type.
    /// <summary>The types this serializer is bound to (serialization.conf binds the same by name).</summary>
    internal static readonly Type[] BoundTypes =
        [typeof(PeerFrame), typeof(ReadyPersisted), typeof(NodeIncarnated), typeof(AddressesChanged), typeof(RaftActorSnapshot)];

    internal const string PeerFrameManifest = "F";
    internal const string ReadyPersistedManifest = "R";
    internal const string NodeIncarnatedManifest = "I";
    internal const string AddressesChangedManifest = "A";
    internal const string RaftActorSnapshotManifest = "S";

    public RaftSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public override int Identifier => SerializerIdentifier;

    public override string Manifest(object o) => o switch
    {
        PeerFrame => PeerFrameManifest,
        ReadyPersisted => ReadyPersistedManifest,
        NodeIncarnated => NodeIncarnatedManifest,
        AddressesChanged => AddressesChangedManifest,
        RaftActorSnapshot => RaftActorSnapshotManifest,
        _ => throw Unsupported(o),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        PeerFrame frame => PeerFrameCodec.Encode(frame),
        ReadyPersisted ready => JournalCodec.Encode(ready),
        NodeIncarnated incarnated => JournalCodec.Encode(incarnated),
        AddressesChanged changed => JournalCodec.Encode(changed),
        RaftActorSnapshot snapshot => JournalCodec.Encode(snapshot),
        _ => throw Unsupported(obj),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (bytes is null) throw new SerializationException("RaftSerializer was handed no bytes");
        try
        {
            return manifest switch
            {
                PeerFrameManifest => PeerFrameCodec.Decode(bytes),
                ReadyPersistedManifest => JournalCodec.DecodeReadyPersisted(bytes),
                NodeIncarnatedManifest => JournalCodec.DecodeNodeIncarnated(bytes),
                AddressesChangedManifest => JournalCodec.DecodeAddressesChanged(bytes),
                RaftActorSnapshotManifest => JournalCodec.DecodeRaftActorSnapshot(bytes),
                _ => throw new SerializationException($"RaftSerializer knows no manifest '{Printable(manifest)}'"),
            };
        }
        catch (CodecException e)
        {
            throw new SerializationException($"cannot decode '{manifest}' ({bytes.Length} bytes): {e.Message}", e);
        }
        catch (Exception e) when (e is not SerializationException and not OutOfMemoryException)
        {
            // A decoder bug must not become a torn-down association; the fuzz test keeps this branch unused.
            throw new SerializationException($"decoding '{manifest}' ({bytes.Length} bytes) failed unexpectedly: {e.Message}", e);
        }
    }

    // Akka.Remote treats an ArgumentException on the sending side as transient: the message is dropped and logged.
    private static ArgumentException Unsupported(object? value) =>
        new($"RaftSerializer cannot serialize {value?.GetType().FullName ?? "null"}; it is bound to RaftActors' own messages only", nameof(value));

    private static string Printable(string? text) =>
        text is null ? "(null)" : new([.. text.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
}
