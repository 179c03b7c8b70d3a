using Akka.Actor;
using RaftActors.Actors.Remote;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// What the actors of one node share and the node's public API observes: names and folders, the peer
/// authenticator, the start signal and the first failure. Built once by the node before its actors start.
/// </summary>
internal sealed class NodeSettings
{
    private Exception? _failure;

    /// <summary>The ActorSystem the node runs in (unset only in unit tests of parts that never reach it).</summary>
    public ActorSystem System { get; init; } = null!;

    /// <summary>The RaftActor's persistence id: one journal stream per node of a cluster.</summary>
    public required string PersistenceId { get; init; }

    /// <summary>The Akka.Persistence journal plugin; null means the system's default journal.</summary>
    public string? JournalPluginId { get; init; }

    /// <summary>The Akka.Persistence snapshot-store plugin; null means the system's default store.</summary>
    public string? SnapshotPluginId { get; init; }

    /// <summary>This node's address as recorded in the membership (peers reach it there).</summary>
    public required string AdvertisedAddress { get; init; }

    public required string DataDirectory { get; init; }

    public required PeerAuthenticator Authenticator { get; init; }

    /// <summary>The data identity each peer last used; a peer showing another one lost its data and is refused.</summary>
    public PeerIdentityBook PeerIdentities { get; init; } = PeerIdentityBook.InMemory();

    /// <summary>The largest frame body a peer message may carry (below Akka.Remote's maximum-frame-size).</summary>
    public required int MaxFrameBodyBytes { get; init; }

    /// <summary>Bytes of snapshot payload per chunk frame, and how many chunks may be unacknowledged.</summary>
    public int SnapshotChunkBytes { get; init; } = 64 * 1024;

    public int SnapshotChunksInFlight { get; init; } = 4;

    /// <summary>Where the service snapshots the node keeps live (payload files referenced by the journal).</summary>
    public string SnapshotsFolder => Path.Combine(DataDirectory, "snapshots");

    /// <summary>Where the ServiceActor writes a snapshot before the RaftActor adopts it.</summary>
    public string OutgoingFolder => Path.Combine(DataDirectory, "snapshots-outgoing");

    /// <summary>Completes once the RaftActor recovered its journal and serves; faults if it stopped first.</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the node's actors have stopped.</summary>
    public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private long _droppedFrames;

    /// <summary>Frames the inbox dropped: unauthenticated (see <see cref="PeerAuthenticator.Dropped"/>) or malformed inside.</summary>
    public long DroppedFrames => Interlocked.Read(ref _droppedFrames);

    public void CountDroppedFrame() => Interlocked.Increment(ref _droppedFrames);

    /// <summary>The first failure that stopped the node (fail-stop), or null.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Records why the node stops; only the first cause is kept.</summary>
    public void Fail(Exception cause) => Interlocked.CompareExchange(ref _failure, cause, null);
}
