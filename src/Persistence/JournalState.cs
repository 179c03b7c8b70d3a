using RaftActors.Messages;

namespace RaftActors.Persistence;

/// <summary>
/// What a node recovers from its journal on start: the hard state, the latest snapshot's metadata
/// (<see cref="SnapshotMetadata.Empty"/> when none), and the stored log <c>[FirstIndex, LastIndex]</c>
/// (<c>FirstIndex = 1, LastIndex = 0</c> when nothing was ever stored).
/// </summary>
public sealed record JournalState(HardState HardState, SnapshotMetadata Snapshot, ulong FirstIndex, ulong LastIndex)
{
    /// <summary>The membership as of the snapshot (empty without one); later changes are in the log.</summary>
    public ConfState ConfState => Snapshot.ConfState;
}
