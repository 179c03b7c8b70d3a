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
        return frame.Wire ?? Encode(frame.ClusterTag, frame.From, frame.To, frame.Sequence, frame.Kind, frame.SenderIdentity, frame.Body.Span, frame.Mac, out _);
    }

    /// <summary>The binary form of a frame with these fields; <paramref name="bodyOffset"/> is where the body starts in it.</summary>
    public static byte[] Encode(ulong clusterTag, ulong from, ulong to, ulong sequence, PeerPayloadKind kind, ulong senderIdentity,
        ReadOnlySpan<byte> body, ReadOnlySpan<byte> mac, out int bodyOffset)
    {
        if (mac.Length != PeerAuthenticator.MacSize) throw new ArgumentException($"a frame's MAC is {PeerAuthenticator.MacSize} bytes, not {mac.Length}", nameof(mac));
        var buffer = EncodeBuffers.Rent();
        var w = new WireWriter(buffer);
        w.Byte(Version);
        w.UInt64(clusterTag);
        w.VarUInt(from);
        w.VarUInt(to);
        w.VarUInt(sequence);
        w.Byte((byte)kind);
        w.UInt64(senderIdentity);
        w.VarUInt((ulong)body.Length);
        bodyOffset = buffer.WrittenCount;
        buffer.Write(body);
        buffer.Write(mac);
        return EncodeBuffers.ToArrayAndReturn(buffer);
    }

    /// <summary>Decodes a frame; its <see cref="PeerFrame.Body"/> is a slice of <paramref name="input"/>, which it keeps.</summary>
    public static PeerFrame Decode(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var r = new WireReader(input);
        WireExtras.Version(ref r, Version, "peer frame");
        var tag = WireExtras.UInt64(ref r);
        var from = r.VarUInt();
        var to = r.VarUInt();
        var sequence = r.VarUInt();
        var kind = (PeerPayloadKind)r.Byte();
        if (!PeerAuthenticator.IsKnown(kind)) throw new CodecException($"unknown peer payload kind {(byte)kind}");
        var identity = WireExtras.UInt64(ref r);
        var (bodyOffset, bodyLength) = r.BytesRange();
        if (r.Remaining != PeerAuthenticator.MacSize)
        {
            throw new CodecException($"a peer frame ends with a {PeerAuthenticator.MacSize}-byte MAC, but {r.Remaining} bytes are left");
        }
        var mac = input.AsSpan(input.Length - PeerAuthenticator.MacSize).ToArray();
        return new PeerFrame(tag, from, to, sequence, kind, input.AsMemory(bodyOffset, bodyLength), mac, identity, input);
    }
}
