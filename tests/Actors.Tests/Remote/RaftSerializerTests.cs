using System.Runtime.Serialization;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;
using Xunit.Abstractions;
using static RaftActors.Actors.Tests.Remote.RemoteSamples;

namespace RaftActors.Actors.Tests.Remote;

using Akka.Actor;
using Akka.Serialization;

/// <summary>
/// RaftSerializer inside an ActorSystem configured with RaftActors' HOCON: each bound type is found, round-trips
/// through Akka's serialization, and bad bytes give <see cref="SerializationException"/>, nothing else.
/// </summary>
public sealed class RaftSerializerTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(RaftSerialization.Configuration, output: output)
{
    public static TheoryData<string> Values() => [.. AllValues().Select(v => v.Name)];

    private static object Value(string name) => AllValues().Single(v => v.Name == name).Value;

    private Serialization Serialization => Sys.Serialization;

    private Serializer BoundSerializer => Serialization.FindSerializerForType(typeof(PeerFrame));

    private object Decode(byte[] bytes, string manifest) => Serialization.Deserialize(bytes, BoundSerializer.Identifier, manifest);

    private byte[] Encode(object value, out string manifest)
    {
        var serializer = (SerializerWithStringManifest)Serialization.FindSerializerFor(value);
        manifest = serializer.Manifest(value);
        return serializer.ToBinary(value);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void Every_bound_type_round_trips_through_RaftSerializer_found_by_Akka(string name)
    {
        var value = Value(name);

        var serializer = Serialization.FindSerializerFor(value);
        var bytes = Encode(value, out var manifest);

        Assert.IsType<RaftSerializer>(serializer);
        Assert.Equal(RaftSerializer.SerializerIdentifier, serializer.Identifier);
        Assert.Equal(RaftSerializerVersionFor(manifest), bytes[0]);
        AssertSame(value, Serialization.Deserialize(bytes, serializer.Identifier, manifest));
    }

    private static byte RaftSerializerVersionFor(string manifest) =>
        manifest == RaftSerializer.PeerFrameManifest ? PeerFrameCodec.Version : JournalCodec.Version;

    [Fact]
    public void Identifier_is_7301_in_the_code_and_in_the_configuration()
    {
        var configured = Sys.Settings.Config.GetInt("akka.actor.serialization-identifiers.\"RaftActors.Actors.Remote.RaftSerializer, RaftActors.Actors\"");

        Assert.Equal(7301, RaftSerializer.SerializerIdentifier);
        Assert.Equal(7301, configured);
        Assert.Equal(7301, BoundSerializer.Identifier);
    }

    [Fact]
    public void Manifests_are_one_stable_letter_per_type()
    {
        var manifests = AllValues().Select(v => v.Value).DistinctBy(v => v.GetType())
            .ToDictionary(v => v.GetType().Name, v => ((SerializerWithStringManifest)BoundSerializer).Manifest(v));

        Assert.Equal(new Dictionary<string, string>
        {
            [nameof(PeerFrame)] = "F", [nameof(ReadyPersisted)] = "R", [nameof(NodeIncarnated)] = "I",
            [nameof(AddressesChanged)] = "A", [nameof(RaftActorSnapshot)] = "S",
        }, manifests);
    }

    [Fact]
    public void Types_without_a_binding_are_refused_instead_of_going_out_as_json()
    {
        var e = Assert.Throws<SerializationException>(() => Serialization.FindSerializerFor(new Unbound(1)));
        Assert.Contains("allow-unregistered-types", e.Message);
    }

    private sealed record Unbound(int Value);

    [Fact]
    public void System_configured_to_refuse_json_reads_and_writes_none()
    {
        using var system = ActorSystem.Create("no-json", RaftSerialization.RefuseJson.WithFallback(RaftSerialization.Configuration));
        var json = "{\"Value\":1}"u8.ToArray();

        var e = Assert.Throws<SerializationException>(() => system.Serialization.Deserialize(json, JsonRefusingSerializer.JsonIdentifier, typeof(Unbound)));
        Assert.Contains("reads no JSON", e.Message);
        Assert.IsType<Unbound>(Serialization.Deserialize(json, JsonRefusingSerializer.JsonIdentifier, typeof(Unbound))); // this class's system does
        Assert.IsType<RaftSerializer>(system.Serialization.FindSerializerFor(new NodeIncarnated(1)));
    }

    [Fact]
    public void Serializer_refuses_to_encode_a_type_it_is_not_bound_to()
    {
        var serializer = (SerializerWithStringManifest)BoundSerializer;

        Assert.Throws<ArgumentException>(() => serializer.ToBinary("text"));
        Assert.Throws<ArgumentException>(() => serializer.Manifest(new Unbound(1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("X")]
    [InlineData("FF")]
    [InlineData("f")]
    public void Unknown_manifest_is_refused(string manifest)
    {
        var bytes = Encode(new NodeIncarnated(1), out _);
        Assert.Throws<SerializationException>(() => Decode(bytes, manifest));
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void Unknown_format_version_is_refused(string name)
    {
        var bytes = Encode(Value(name), out var manifest);
        // The version after the current one (frames and journal records have versions of their own).
        bytes[0]++;

        var e = Assert.Throws<SerializationException>(() => Decode(bytes, manifest));
        Assert.Contains($"version {bytes[0]}", e.Message);
        Assert.IsType<CodecException>(e.InnerException);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void Every_truncation_and_any_trailing_byte_is_refused(string name)
    {
        var bytes = Encode(Value(name), out var manifest);
        // Large samples: every length near both ends and a stride through the middle.
        var lengths = bytes.Length < 5000
            ? Enumerable.Range(0, bytes.Length)
            : Enumerable.Range(0, 2000).Concat(Enumerable.Range(bytes.Length - 2000, 2000)).Concat(Enumerable.Range(0, bytes.Length / 97).Select(i => i * 97));

        foreach (var length in lengths)
        {
            var e = Assert.Throws<SerializationException>(() => Decode(bytes[..length], manifest));
            Assert.IsType<CodecException>(e.InnerException);
        }
        Assert.Throws<SerializationException>(() => Decode([.. bytes, 0], manifest));
    }

    [Fact]
    public void Hostile_lengths_and_counts_are_refused_without_allocating_what_they_claim()
    {
        var hugeVarints = new ulong[] { ulong.MaxValue, long.MaxValue, int.MaxValue, 1UL << 40, 1UL << 31, 100_000_000 };
        foreach (var huge in hugeVarints)
        {
            var claims = new (string Manifest, byte[] Bytes)[]
            {
                // A frame whose body claims `huge` bytes.
                ("F", [PeerFrameCodec.Version, .. new byte[8], 1, 2, 3, (byte)PeerPayloadKind.RaftMessages, .. new byte[8], .. Varint(huge), 0, 0, 0]),
                // A Ready without hard state whose entry count claims `huge` entries.
                ("R", [JournalCodec.Version, 0, .. Varint(huge), 1, 2, 3]),
                // An address book claiming `huge` rows, then one whose first address claims `huge` bytes.
                ("A", [JournalCodec.Version, .. Varint(huge), 1, 0]),
                ("A", [JournalCodec.Version, 1, 1, .. Varint(huge), 65]),
                // A snapshot whose nested metadata claims `huge` bytes.
                ("S", [JournalCodec.Version, .. Varint(huge), 1, 6]),
            };
            foreach (var (manifest, bytes) in claims)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                Assert.Throws<SerializationException>(() => Decode(bytes, manifest));
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated < 64 * 1024, $"{manifest} claiming {huge}: allocated {allocated} bytes");
            }
        }
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a\0b")]
    public void Snapshot_reference_naming_anything_but_a_plain_file_is_refused(string fileName)
    {
        var placeholder = new string('x', fileName.Length);
        var bytes = Encode(new ReadyPersisted(null, [], Reference(placeholder)), out var manifest);
        var at = bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(placeholder));
        System.Text.Encoding.UTF8.GetBytes(fileName).CopyTo(bytes, at);

        Assert.Throws<SerializationException>(() => Decode(bytes, manifest));
        Assert.ThrowsAny<ArgumentException>(() => Encode(new ReadyPersisted(null, [], Reference(fileName)), out _));
    }

    [Fact]
    public void Address_book_naming_a_node_twice_or_node_0_is_refused()
    {
        var bytes = Encode(new AddressesChanged(new Dictionary<ulong, string> { [1] = "a", [2] = "b" }), out var manifest);
        Assert.Equal(new byte[] { JournalCodec.Version, 2, 1, 1, (byte)'a', 2, 1, (byte)'b' }, bytes);

        Assert.Contains("twice", Assert.Throws<SerializationException>(() => Decode([.. bytes[..5], 1, .. bytes[6..]], manifest)).Message);
        Assert.Contains("node id 0", Assert.Throws<SerializationException>(() => Decode([.. bytes[..2], 0, .. bytes[3..]], manifest)).Message);
        Assert.ThrowsAny<ArgumentException>(() => Encode(new AddressesChanged(new Dictionary<ulong, string> { [0] = "a" }), out _));
    }

    [Fact]
    public void Negative_snapshot_length_is_refused_when_encoding()
    {
        Assert.ThrowsAny<ArgumentException>(() => Encode(new ReadyPersisted(null, [], Reference() with { Length = -1 }), out _));
    }

    [Fact]
    public void Frame_whose_mac_is_not_32_bytes_is_refused()
    {
        var frame = Frame(1, 2, 3, PeerPayloadKind.RaftMessages, [1, 2]);
        var bytes = Encode(frame, out var manifest);

        Assert.Throws<SerializationException>(() => Decode(bytes[..^1], manifest));
        Assert.Throws<SerializationException>(() => Decode([.. bytes, 0], manifest));
        Assert.ThrowsAny<ArgumentException>(() => Encode(new PeerFrame(1, 1, 2, 3, PeerPayloadKind.RaftMessages, ReadOnlyMemory<byte>.Empty, new byte[31]), out _));
    }
}
