using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftActors.Host.Api;

/// <summary>
/// JSON that the host's key-value service wrote (a <c>KvRecord</c>, with <see cref="HostJson"/>'s options), put into
/// a reply envelope as it is. Reading it back into a record only to write the same JSON again cost every get and set
/// a parse, a record and its strings. The bytes are still checked to be one JSON value as they are written.
/// </summary>
[JsonConverter(typeof(ServiceJsonConverter))]
internal readonly record struct ServiceJson(byte[] Utf8);

internal sealed class ServiceJsonConverter : JsonConverter<ServiceJson>
{
    public override ServiceJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new ServiceJson(JsonSerializer.SerializeToUtf8Bytes(document.RootElement));
    }

    public override void Write(Utf8JsonWriter writer, ServiceJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Utf8, skipInputValidation: false);
}
