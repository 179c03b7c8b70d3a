using Akka.Actor;
namespace RaftActors.Actors.Runtime;

/// <summary>Settings of the ServiceActor.</summary>
internal sealed record ServiceActorOptions
{
    /// <summary>A snapshot is written every this many applied entries, counted from the last snapshot; 0 = never.</summary>
    public ulong SnapshotEvery { get; init; } = 10_000;

    /// <summary>Where snapshot files are written before the RaftActor moves them into the journal.</summary>
    public required string StagingDirectory { get; init; }

    /// <summary>
    /// The most client sessions remembered. Replicated state: every node of a cluster must use the same
    /// value, or their session tables (and the answers to retries) differ.
    /// </summary>
    public int MaxSessions { get; init; } = 10_000;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(StagingDirectory)) throw new ArgumentException("the ServiceActor needs a staging directory for snapshot files");
        if (MaxSessions < 1) throw new ArgumentOutOfRangeException(nameof(MaxSessions), MaxSessions, "at least one client session must fit");
    }
}

/// <summary>
/// What the ServiceActor shares with the rest of the node. Actors are built by their Props (and a
/// restart would build a new instance), so this object is created by the node and handed in; others
/// read it from any thread.
/// </summary>
internal sealed class ServiceActorState
{
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _appliedIndex;

    /// <summary>
    /// Completes once the services have applied everything committed before the node started (the
    /// recovery target), having first restored the journal's snapshot. Faults if the ServiceActor
    /// stopped before that.
    /// </summary>
    public Task Recovered => _recovered.Task;

    /// <summary>The index of the last entry the services applied (or restored from a snapshot).</summary>
    public ulong AppliedIndex => Volatile.Read(ref _appliedIndex);

    internal void Publish(ulong appliedIndex, ulong recoveryTarget)
    {
        Volatile.Write(ref _appliedIndex, appliedIndex);
        if (appliedIndex >= recoveryTarget) _recovered.TrySetResult();
    }

    internal void FailRecovery(Exception cause) => _recovered.TrySetException(cause);
}
