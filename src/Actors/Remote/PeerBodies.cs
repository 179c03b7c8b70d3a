// Placeholder until the serializer work lands: the shapes the runtime uses.
using RaftActors.Messages;

namespace RaftActors.Actors.Remote;

internal sealed record SnapshotChunk(ulong TransferId, RaftMessage? Header, long Offset, byte[] Data, bool Last, uint PayloadCrc);

internal sealed record SnapshotAck(ulong TransferId, long NextOffset, bool Abort, string Reason);

internal static class PeerBodyCodec
{
    public static byte[] EncodeRaftMessages(IReadOnlyList<RaftMessage> messages) => throw new NotImplementedException();
    public static RaftMessage[] DecodeRaftMessages(ReadOnlySpan<byte> body) => throw new NotImplementedException();
    public static byte[] Encode(SnapshotChunk chunk) => throw new NotImplementedException();
    public static SnapshotChunk DecodeSnapshotChunk(ReadOnlySpan<byte> body) => throw new NotImplementedException();
    public static byte[] Encode(SnapshotAck ack) => throw new NotImplementedException();
    public static SnapshotAck DecodeSnapshotAck(ReadOnlySpan<byte> body) => throw new NotImplementedException();
}

internal enum PeerDropReason { ForeignCluster, WrongReceiver, BadMac, Replayed, Malformed }

internal sealed class PeerAuthenticator
{
    public PeerAuthenticator(string clusterId, ReadOnlySpan<byte> secret, ulong localNodeId) => LocalNodeId = localNodeId + (ulong)clusterId.Length * 0 + (ulong)secret.Length * 0;

    public ulong LocalNodeId { get; }
    public PeerFrame Seal(ulong to, PeerPayloadKind kind, byte[] body) => throw new NotImplementedException($"{to}{kind}{body.Length}");
    public bool Open(PeerFrame frame, out PeerDropReason reason) => throw new NotImplementedException(frame.ToString());
}
