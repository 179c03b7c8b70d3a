namespace RaftActors.Actors.Remote;

/// <summary>What a <see cref="PeerFrame"/> carries; the body's format depends on it.</summary>
internal enum PeerPayloadKind : byte
{
    /// <summary>Raft messages for the receiver's RaftActor, in order (snapshot messages travel as chunks instead).</summary>
    RaftMessages = 1,

    /// <summary>One chunk of a snapshot payload streamed by a leader; the first carries the Snapshot message.</summary>
    SnapshotChunk = 2,

    /// <summary>The receiver of a snapshot acknowledges chunks (flow control) or aborts the transfer.</summary>
    SnapshotAck = 3,

    /// <summary>A client request a follower hands to the leader (<c>ForwardCodec</c>).</summary>
    ForwardRequest = 4,

    /// <summary>The leader's answer to a forwarded request (<c>ForwardCodec</c>).</summary>
    ForwardResponse = 5,

    /// <summary>
    /// The receiver knows the sender's node id by another data identity: the sender's data was lost. The body is the
    /// refused identity (u64le), so a refusal meant for an earlier start cannot stop a later one.
    /// </summary>
    IdentityRefused = 6,

    /// <summary>
    /// Forwarded requests and responses (each a <c>ForwardCodec</c> body, which says which it is) that a peer actor had
    /// queued at once: one frame, one Akka.Remote message, instead of one each (<c>PeerBodyCodec.EncodeForwardBatch</c>).
    /// </summary>
    ForwardBatch = 7,
}

/// <summary>
/// The one message type that crosses Akka.Remote between two nodes: an authenticated envelope. Akka.Remote
/// has no shared-secret authentication, so every frame names the cluster (a tag derived from the cluster id),
/// its sender and receiver node ids and a per-link sequence number, and carries an HMAC-SHA256 over all of
/// them and the body under a key derived from the cluster id and secret. A forged, replayed, misdirected or
/// foreign-cluster frame is dropped and counted by the receiver. Every frame also names the data identity of the
/// sender's data folder (<c>DataIdentity</c>), so a receiver can tell a node that lost its data from the node it knew.
/// </summary>
internal sealed class PeerFrame(ulong clusterTag, ulong from, ulong to, ulong sequence, PeerPayloadKind kind, ReadOnlyMemory<byte> body, byte[] mac,
    ulong senderIdentity = 0, byte[]? wire = null)
{
    public ulong ClusterTag { get; } = clusterTag;
    public ulong From { get; } = from;
    public ulong To { get; } = to;
    public ulong Sequence { get; } = sequence;
    public PeerPayloadKind Kind { get; } = kind;
    public ReadOnlyMemory<byte> Body { get; } = body;
    public byte[] Mac { get; } = mac;

    /// <summary>The random identity the sender's data folder was created with; 0 when the sender has none.</summary>
    public ulong SenderIdentity { get; } = senderIdentity;

    /// <summary>
    /// The frame's binary form (<see cref="PeerFrameCodec"/>) when it was sealed or decoded here, with <see cref="Body"/>
    /// a slice of it: a sealed frame is encoded once, where the MAC is made, and the serializer hands these bytes to
    /// Akka.Remote as they are; a received one keeps its body where it arrived instead of copying it out.
    /// </summary>
    public byte[]? Wire { get; } = wire;
}
