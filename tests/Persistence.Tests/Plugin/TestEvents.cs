using System.Text;
using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>An event of the test actor; its bytes are the UTF-8 of its value, so tests can find and damage them.</summary>
public sealed record Evt(string Value);

/// <summary>The test actor's snapshot: every value it has seen.</summary>
public sealed record Snap(IReadOnlyList<string> Values);

/// <summary>An event whose serializer always throws: the journal must reject its write, and only its write.</summary>
public sealed record Unserializable(string Value);

/// <summary>A string-manifest serializer for the test records, as users of Akka write them.</summary>
public sealed class TestEventSerializer : SerializerWithStringManifest
{
    public TestEventSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => 4711;

    public override string Manifest(object o) => o switch
    {
        Evt => "E",
        Snap => "S",
        _ => throw new ArgumentException($"cannot serialize {o.GetType()}"),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        Evt e => Encoding.UTF8.GetBytes(e.Value),
        Snap s => Encoding.UTF8.GetBytes(string.Join('\n', s.Values)),
        _ => throw new ArgumentException($"cannot serialize {obj.GetType()}"),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        "E" => new Evt(Encoding.UTF8.GetString(bytes)),
        "S" => new Snap(bytes.Length == 0 ? [] : Encoding.UTF8.GetString(bytes).Split('\n')),
        _ => throw new SerializationException($"unknown manifest '{manifest}'"),
    };
}

/// <summary>The serializer of <see cref="Unserializable"/>: it fails every time.</summary>
public sealed class ThrowingSerializer : SerializerWithStringManifest
{
    public ThrowingSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => 4712;

    public override string Manifest(object o) => "U";

    public override byte[] ToBinary(object obj) => throw new SerializationException($"{obj} cannot be serialized (on purpose)");

    public override object FromBinary(byte[] bytes, string manifest) => throw new SerializationException("never stored");
}
