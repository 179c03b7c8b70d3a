using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using AkkaSerialization = Akka.Serialization.Serialization;

namespace RaftActors.Persistence.Plugin;

/// <summary>Events to rows and back with Akka's serialization, the way Akka's own journals store them.</summary>
internal sealed class EventSerialization
{
    private readonly ExtendedActorSystem _system;
    private readonly AkkaSerialization _serialization;

    public EventSerialization(ExtendedActorSystem system)
    {
        _system = system;
        _serialization = system.Serialization;
    }

    /// <summary>Serializes one event; throws whatever its serializer throws (a rejection of its write).</summary>
    public EventRow ToRow(IPersistentRepresentation persistent)
    {
        // Tags serve queries, which this journal does not offer; the event is stored without them.
        var payload = persistent.Payload is Tagged tagged ? tagged.Payload : persistent.Payload;
        var serializer = _serialization.FindSerializerFor(payload);
        var manifest = AkkaSerialization.ManifestFor(serializer, payload);
        var bytes = AkkaSerialization.WithTransport(_system, (serializer, payload), static s => s.serializer.ToBinary(s.payload));
        var timestamp = persistent.Timestamp != 0 ? persistent.Timestamp : DateTime.UtcNow.Ticks;
        return new EventRow(persistent.PersistenceId, persistent.SequenceNr, timestamp, persistent.Manifest ?? "",
            serializer.Identifier, manifest ?? "", bytes, persistent.WriterGuid ?? "");
    }

    /// <summary>Rebuilds the persistent representation of a row whose checksum was verified.</summary>
    public Persistent FromRow(EventRow row, string path)
    {
        object payload;
        try
        {
            payload = _serialization.Deserialize(row.Payload, row.SerializerId, row.Manifest);
        }
#pragma warning disable CA1031 // Whatever the serializer throws, recovery must fail naming the record.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new SqliteStoreException(path,
                $"{JournalRecords.EventName(row.PersistenceId, row.SequenceNr)} in {path} cannot be deserialized " +
                $"(serializer {row.SerializerId}, manifest '{row.Manifest}'): {ex.Message}", ex);
        }
        return new Persistent(payload, row.SequenceNr, row.PersistenceId, row.AdapterManifest, false, ActorRefs.NoSender,
            row.WriterUuid, row.Timestamp);
    }
}
