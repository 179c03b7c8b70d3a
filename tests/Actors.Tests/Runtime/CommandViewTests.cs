using System.Text;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// Applying reads an entry's envelope in place (<see cref="CommandEnvelope.Read"/>): the same fields as
/// <see cref="CommandEnvelope.Decode"/>, the command a slice of the entry, nothing allocated, and the same refusals.
/// </summary>
public sealed class CommandViewTests
{
    private static readonly byte[] Entry = new CommandEnvelope("kv", 3, 77, 9, 12, Encoding.UTF8.GetBytes("set k v")).Encode();

    [Fact]
    public void An_envelope_read_in_place_has_its_fields_and_its_command_is_a_slice_of_the_entry()
    {
        var view = CommandEnvelope.Read(Entry);

        Assert.Equal("kv", Encoding.UTF8.GetString(view.Namespace));
        Assert.Equal((3UL, 77UL, 9UL, 12UL), (view.Origin, view.RequestId, view.ClientId, view.Sequence));
        Assert.Equal("set k v", Encoding.UTF8.GetString(view.Payload));
        Assert.True(view.Payload.Overlaps(Entry), "the command is read where it lies in the entry, not copied");
    }

    [Fact]
    public void Reading_an_envelope_in_place_allocates_nothing()
    {
        ulong sum = 0;
        for (var i = 0; i < 10; i++) sum += CommandEnvelope.Read(Entry).RequestId; // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) sum += CommandEnvelope.Read(Entry).RequestId;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(77UL * 1010, sum);
        Assert.Equal(0, allocated);
    }

    public static TheoryData<string, byte[]> Malformed() => new()
    {
        { "unknown version", [2, .. Entry[1..]] },
        { "truncated", Entry[..^2] },
        { "trailing byte", [.. Entry, 0] },
        { "namespace not UTF-8", [1, 2, 0xC3, 0x28, 3, 77, 9, 12, 0] },
        { "namespace over the limit", [1, 65, .. new byte[65], 3, 77, 9, 12, 0] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_envelope_is_refused_as_a_codec_error(string what, byte[] data)
    {
        var error = Assert.Throws<CodecException>(() => CommandEnvelope.Read(data));
        Assert.False(string.IsNullOrWhiteSpace(error.Message), $"{what}: the refusal says why");
    }
}
