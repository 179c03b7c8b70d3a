using System.Runtime.InteropServices;
using System.Text;
using RaftActors.Actors.Remote;
using static RaftActors.Actors.Tests.Remote.RemoteSamples;

namespace RaftActors.Actors.Tests.Remote;

/// <summary>
/// A frame is encoded once, where it is sealed, and a received frame's body stays in the bytes it arrived in: the
/// binary form a frame carries is exactly the codec's encoding of its fields, so skipping the second encoding changes
/// nothing on the wire.
/// </summary>
public sealed class PeerFrameEncodingTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("a body of some bytes");

    private static PeerFrame Sealed() => new PeerAuthenticator(ClusterId, Secret, 1, dataIdentity: 0xABCD).Seal(2, PeerPayloadKind.RaftMessages, Body);

    [Fact]
    public void A_sealed_frame_carries_its_encoding_which_is_the_codecs_encoding_of_its_fields()
    {
        var frame = Sealed();

        Assert.NotNull(frame.Wire);
        Assert.Same(frame.Wire, PeerFrameCodec.Encode(frame));
        // The same fields, without the carried form, encode to the same bytes.
        var fields = new PeerFrame(frame.ClusterTag, frame.From, frame.To, frame.Sequence, frame.Kind, frame.Body.ToArray(), frame.Mac, frame.SenderIdentity);
        Assert.Null(fields.Wire);
        Assert.Equal(frame.Wire, PeerFrameCodec.Encode(fields));
        Assert.Equal(Body, frame.Body.ToArray());
    }

    [Fact]
    public void A_decoded_frame_keeps_its_body_in_the_received_bytes_and_opens()
    {
        var frame = Sealed();
        var received = frame.Wire!.ToArray();

        var decoded = PeerFrameCodec.Decode(received);

        Assert.True(MemoryMarshal.TryGetArray(decoded.Body, out var segment));
        Assert.Same(received, segment.Array);
        Assert.Equal(Body, decoded.Body.ToArray());
        Assert.Equal((frame.ClusterTag, frame.From, frame.To, frame.Sequence, frame.Kind, frame.SenderIdentity),
            (decoded.ClusterTag, decoded.From, decoded.To, decoded.Sequence, decoded.Kind, decoded.SenderIdentity));
        Assert.Equal(frame.Mac, decoded.Mac);
        Assert.True(new PeerAuthenticator(ClusterId, Secret, 2).Open(decoded, out var reason), reason.ToString());
    }
}
