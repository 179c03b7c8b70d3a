using RaftActors.Messages;

namespace RaftActors.Actors.Remote;

/// <summary>
/// One piece of a snapshot payload a leader streams to a follower (body of <see cref="PeerPayloadKind.SnapshotChunk"/>).
/// </summary>
/// <param name="TransferId">Names the transfer; the receiver drops chunks of any transfer but the current one.</param>
/// <param name="Header">On the first chunk (<paramref name="Offset"/> 0) only: the Snapshot message with the
/// snapshot's metadata and no data; the receiver hands it to its RaftActor once the whole payload is in.</param>
/// <param name="Offset">Where <paramref name="Data"/> starts in the payload.</param>
/// <param name="Last">Whether this chunk ends the payload.</param>
/// <param name="PayloadCrc">On the last chunk: CRC-32C of the whole payload, checked before it is used (0 elsewhere).</param>
internal sealed record SnapshotChunk(ulong TransferId, RaftMessage? Header, long Offset, byte[] Data, bool Last, uint PayloadCrc);

/// <summary>
/// The receiver's answer to snapshot chunks (body of <see cref="PeerPayloadKind.SnapshotAck"/>): flow control,
/// or the end of the transfer.
/// </summary>
/// <param name="NextOffset">Everything before this offset is stored; the leader may send up to its window past it.</param>
/// <param name="Abort">The receiver gave up on the transfer (<paramref name="Reason"/> says why); the leader stops sending.</param>
internal sealed record SnapshotAck(ulong TransferId, long NextOffset, bool Abort, string Reason);
