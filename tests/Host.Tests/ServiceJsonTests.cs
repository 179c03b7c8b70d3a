using System.Text.Json;
using RaftActors.Host.Api;
using RaftActors.Host.Services;

namespace RaftActors.Host.Tests;

/// <summary>A reply carries the service's JSON as it is: the same envelope, byte for byte, as the record written by the serializer.</summary>
public sealed class ServiceJsonTests
{
    private static readonly KvRecord Record = new("k\u00e9y \"quoted\"", "v\u2028alue <tag>", 1_700_000_000_123, 42);

    [Fact]
    public void An_envelope_of_the_services_json_is_the_envelope_of_the_record()
    {
        var serviceBytes = JsonSerializer.SerializeToUtf8Bytes(Record, HostJson.Default.KvRecord);

        var passedThrough = JsonSerializer.Serialize(new Envelope<ServiceJson>(ApiCodes.Success, "success", new ServiceJson(serviceBytes), null),
            HostJson.Default.EnvelopeServiceJson);
        var reencoded = JsonSerializer.Serialize(new Envelope<KvRecord>(ApiCodes.Success, "success", Record, null), HostJson.Default.EnvelopeKvRecord);

        Assert.Equal(reencoded, passedThrough);
    }

    [Fact]
    public void Bytes_that_are_not_one_json_value_are_not_written_into_a_reply()
    {
        var broken = new ServiceJson("{\"key\":"u8.ToArray());
        Assert.ThrowsAny<Exception>(() => JsonSerializer.Serialize(new Envelope<ServiceJson>(ApiCodes.Success, "success", broken, null),
            HostJson.Default.EnvelopeServiceJson));
    }
}
