using System.Buffers;
using RaftActors.Messages;

namespace RaftActors.Actors.Remote;

/// <summary>
/// The binary form of a <see cref="PeerFrame"/>:
/// <code>version:u8 clusterTag:u64le from:varint to:varint sequence:varint kind:u8 senderIdentity:u64le body:bytes mac:32 bytes</code>
/// Decoding checks the structure only (known kind, a MAC of the right size); whether the frame is genuine is
/// for <see cref="PeerAuthenticator.Open"/> to say.
/// </summary>
internal static class PeerFrameCodec
{
    public const byte Version = 2;

    public static byte[] Encode(PeerFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Mac.Length != PeerAuthenticator.MacSize) throw new ArgumentException($"a frame's MAC is {PeerAuthenticator.MacSize} bytes, not {frame.Mac.Length}", nameof(frame));
        var buffer = EncodeBuffers.Rent();
        var w = new WireWriter(buffer);
        w.Byte(Version);
        w.UInt64(frame.ClusterTag);
        w.VarUInt(frame.From);
        w.VarUInt(frame.To);
        w.VarUInt(frame.Sequence);
        w.Byte((byte)frame.Kind);
        w.UInt64(frame.SenderIdentity);
        w.Bytes(frame.Body);
        buffer.Write(frame.Mac);
        return EncodeBuffers.ToArrayAndReturn(buffer);
    }

    public static PeerFrame Decode(ReadOnlySpan<byte> input)
    {
        var r = new WireReader(input);
        WireExtras.Version(ref r, Version, "peer frame");
        var tag = WireExtras.UInt64(ref r);
        var from = r.VarUInt();
        var to = r.VarUInt();
        var sequence = r.VarUInt();
        var kind = (PeerPayloadKind)r.Byte();
        if (!PeerAuthenticator.IsKnown(kind)) throw new CodecException($"unknown peer payload kind {(byte)kind}");
        var identity = WireExtras.UInt64(ref r);
        var body = r.Bytes();
        if (r.Remaining != PeerAuthenticator.MacSize)
        {
            throw new CodecException($"a peer frame ends with a {PeerAuthenticator.MacSize}-byte MAC, but {r.Remaining} bytes are left");
        }
        var mac = input[^PeerAuthenticator.MacSize..].ToArray();
        return new PeerFrame(tag, from, to, sequence, kind, body, mac, identity);
    }
}
