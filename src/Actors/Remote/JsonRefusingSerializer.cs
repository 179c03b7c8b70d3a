using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace RaftActors.Actors.Remote;

/// <summary>
/// Takes the place of Akka's Newtonsoft.Json serializer (alias <c>json</c>, identifier 1) and refuses both ways
/// (<see cref="RaftSerialization.RefuseJson"/>). <c>allow-unregistered-types = off</c> only stops messages from
/// <em>leaving</em> in JSON; a remote peer can still send a message tagged with serializer 1, and Newtonsoft would
/// instantiate whatever type it names. With this in its place such a message is dropped
/// (<see cref="SerializationException"/>), and the association stays up.
/// </summary>
internal sealed class JsonRefusingSerializer : Serializer
{
    /// <summary>Akka's identifier for its JSON serializer, which this one stands in for.</summary>
    public const int JsonIdentifier = 1;

    public JsonRefusingSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    // Akka passes `akka.actor.serialization-settings.json` when that section exists, as it does by default.
    public JsonRefusingSerializer(ExtendedActorSystem system, Config settings) : base(system)
    {
    }

    public override int Identifier => JsonIdentifier;

    public override bool IncludeManifest => true;

    public override byte[] ToBinary(object obj) =>
        throw new SerializationException($"JSON serialization is refused on this system; bind {obj?.GetType().FullName ?? "null"} to a serializer");

    public override object FromBinary(byte[] bytes, Type type) =>
        throw new SerializationException($"a JSON-serialized message (of {type?.FullName ?? "an unnamed type"}) was refused: this system reads no JSON");
}
