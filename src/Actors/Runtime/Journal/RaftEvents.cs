using RaftActors.Messages;

namespace RaftActors.Actors.Runtime.Journal;

// The events the RaftActor persists through Akka.Persistence, and its snapshot. They are the node's
// durable Raft state: replaying them in order rebuilds the log, the hard state, the address book and the
// start counter exactly as they were acknowledged. RaftSerializer encodes them with RaftCodec.

/// <summary>
/// One Ready made durable (one journal write, the group commit): an optional snapshot that replaces the log
/// (a follower installing the leader's snapshot), then entries appended from <c>Entries[0].Index</c> — which
/// first discards every stored entry at or above that index, like etcd's WAL — then the hard state.
/// </summary>
internal sealed record ReadyPersisted(HardState? HardState, IReadOnlyList<Entry> Entries, SnapshotReference? Snapshot);

/// <summary>Where a snapshot's service payload is: a file in the node's <c>snapshots</c> folder, fsynced before this was written.</summary>
/// <param name="FileName">The file's name inside the snapshots folder (never a path).</param>
/// <param name="Length">The payload's length in bytes.</param>
/// <param name="Crc">CRC-32C of the whole payload, checked before the payload is used.</param>
internal sealed record SnapshotReference(SnapshotMetadata Metadata, string FileName, long Length, uint Crc);

/// <summary>The node started again: request ids embed this counter, so none is reused across restarts.</summary>
internal sealed record NodeIncarnated(ulong Incarnation);

/// <summary>The address book changed: every member's <c>host:port</c> (or Akka address) by node id.</summary>
internal sealed record AddressesChanged(IReadOnlyDictionary<ulong, string> Addresses);

/// <summary>
/// The RaftActor's Akka.Persistence snapshot, saved after the services wrote a snapshot, so the events it
/// covers can be deleted (compaction). It holds the Raft snapshot's reference, the hard state, the log kept
/// behind and after the snapshot (<c>Entries</c>, continuing the base <c>LogBaseIndex</c>/<c>LogBaseTerm</c>),
/// the address book and the start counter: everything the deleted events held.
/// </summary>
internal sealed record RaftActorSnapshot(
    SnapshotReference Snapshot,
    HardState HardState,
    ulong LogBaseIndex,
    ulong LogBaseTerm,
    IReadOnlyList<Entry> Entries,
    IReadOnlyDictionary<ulong, string> Addresses,
    ulong Incarnation);
