using Akka.Actor;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime.Journal;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

// The messages the node's actors send each other. Requests that a client waits on carry their own
// TaskCompletionSource: the actor that finishes the work completes it, so no reply routing is needed.

/// <summary>Timer message: one logical Raft tick.</summary>
internal sealed record RaftTick
{
    public static readonly RaftTick Instance = new();
}

/// <summary>Messages received from peer <paramref name="From"/> (already authenticated by the transport).</summary>
internal sealed record PeerMessagesReceived(ulong From, IReadOnlyList<RaftMessage> Messages);

/// <summary>
/// A snapshot streamed from the leader has been written completely to <paramref name="PayloadPath"/> (fsynced;
/// <paramref name="Length"/> bytes with CRC-32C <paramref name="Crc"/>, checked against the leader's);
/// <paramref name="Message"/> is the Snapshot message (metadata, empty data) to step into the core.
/// </summary>
internal sealed record SnapshotReceived(RaftMessage Message, string PayloadPath, long Length, uint Crc);

/// <summary>The transport connected to, or lost, <paramref name="Peer"/>.</summary>
internal sealed record PeerReachabilityChanged(ulong Peer, bool Reachable);

/// <summary>The PeerActor finished streaming a snapshot to <paramref name="Peer"/>, or failed to.</summary>
internal sealed record SnapshotSendFinished(ulong Peer, bool Failed);

/// <summary>Raft messages for one peer, in the order the core produced them.</summary>
internal sealed record OutboundMessages(IReadOnlyList<RaftMessage> Messages);

/// <summary>A prepared command to propose on the leader; completes with the applied result.</summary>
internal sealed record ProposeCommand(CommandEnvelope Envelope, TaskCompletionSource<byte[]> Completion);

/// <summary>A membership change to propose on the leader; completes when applied, with the new configuration.</summary>
internal sealed record ProposeMembershipChange(ConfChange Change, ulong RequestId, TaskCompletionSource<ConfState> Completion);

/// <summary>A linearizable read barrier; completes with the index the service must have applied before reading.</summary>
internal sealed record ReadIndexRequest(TaskCompletionSource<ulong> Completion);

/// <summary>
/// A linearizable query: it joins the next ReadIndex round, which hands it to the ServiceActor with the confirmed
/// index (<see cref="ServiceQueries"/>); its completion gets the service's answer, or why the round failed.
/// </summary>
internal sealed record LinearizableQuery(ServiceQuery Query);

/// <summary>Hands leadership to <paramref name="Target"/>; completes once this node saw the new leader, or fails.</summary>
internal sealed record TransferLeadershipRequest(ulong Target, TaskCompletionSource<ulong> Completion);

internal sealed record StatusRequest(TaskCompletionSource<NodeStatus> Completion);

/// <summary>
/// The ServiceActor wrote a snapshot of the services at <paramref name="Metadata"/>.Index into
/// <paramref name="PayloadPath"/> (fsynced; <paramref name="Length"/> bytes with CRC-32C <paramref name="Crc"/>);
/// the RaftActor stores it in the journal and compacts the log.
/// </summary>
internal sealed record ServiceSnapshotTaken(SnapshotMetadata Metadata, string PayloadPath, long Length, uint Crc);

/// <summary>
/// Committed entries for the ServiceActor, in log order. For a membership entry,
/// <see cref="CommittedEntry.ConfStateAfter"/> is the configuration once it is applied (the RaftActor
/// applies it to the core as it dispatches), which the next snapshot records.
/// </summary>
internal sealed record ApplyCommitted(IReadOnlyList<CommittedEntry> Entries);

internal readonly record struct CommittedEntry(Entry Entry, ConfState? ConfStateAfter);

/// <summary>Replace the services' state with the snapshot in <paramref name="PayloadPath"/> (from the leader).</summary>
internal sealed record RestoreServiceSnapshot(SnapshotMetadata Metadata, string PayloadPath);

/// <summary>Run a query once the service has applied at least <paramref name="AtIndex"/> (0 = now: a stale read).</summary>
internal sealed record ServiceQuery(string Namespace, byte[] Query, ulong AtIndex, TaskCompletionSource<byte[]> Completion);

/// <summary>The queries of one ReadIndex round, to run once the service has applied <paramref name="AtIndex"/> (their own AtIndex is not used).</summary>
internal sealed record ServiceQueries(ulong AtIndex, IReadOnlyList<ServiceQuery> Queries);

/// <summary>Ask a service for its GetInit command (a standalone node becoming a cluster).</summary>
internal sealed record ServiceInitRequest(string Namespace, TaskCompletionSource<byte[]> Completion);

/// <summary>
/// A frame for peer <paramref name="To"/> that is not a Raft message (a forwarded request or its answer, a
/// snapshot acknowledgement); its PeerActor seals it and sends it in order with that peer's Raft messages.
/// </summary>
internal sealed record OutboundForward(ulong To, PeerPayloadKind Kind, byte[] Body);

/// <summary>Stream the snapshot of <paramref name="Message"/> to its target from the payload file.</summary>
internal sealed record OutboundSnapshot(RaftMessage Message, string PayloadPath, SnapshotReference Reference);

/// <summary>The receiver of a snapshot this node streams acknowledged chunks (or aborted the transfer).</summary>
internal sealed record SnapshotAckReceived(ulong From, SnapshotAck Ack);

/// <summary>An authenticated frame from <paramref name="Peer"/> came from this Akka address.</summary>
internal sealed record PeerAddressLearned(ulong Peer, string Address);

/// <summary>
/// The RaftActor recovered: restore the services from the snapshot (none when null), then apply what the
/// RaftActor hands over; recovery is complete once <paramref name="RecoveryTarget"/> (the commit index) is applied.
/// </summary>
internal sealed record RecoverServices(SnapshotMetadata? Metadata, string? PayloadPath, ulong RecoveryTarget);

/// <summary>
/// Take a snapshot now, if anything was applied since the last one: the leader must send a snapshot to a
/// member that the stored snapshot's configuration does not name (it would refuse it), so it needs a newer one.
/// </summary>
internal sealed record TakeSnapshotNow
{
    public static readonly TakeSnapshotNow Instance = new();
}
