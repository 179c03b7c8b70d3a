namespace RaftActors.Actors;

/// <summary>
/// The user's replicated state machine (eosc raft's service). RaftActors calls its hooks so that every
/// node applies the same commands in the same order.
/// <para>
/// Concurrency: <see cref="Apply"/>, <see cref="Query"/>, <see cref="GetInit"/>,
/// <see cref="WriteSnapshotAsync"/> and <see cref="RestoreSnapshotAsync"/> are called by the node's
/// ServiceActor, one at a time, never concurrently with each other. <see cref="PrepareAsync"/> runs on
/// the leader in the caller's context and may run concurrently with every other hook, and with itself:
/// it must not read state that <see cref="Apply"/> mutates without its own synchronisation (the usual
/// prepare only validates and stamps the request).
/// </para>
/// <para>
/// Determinism: <see cref="Apply"/> must depend only on the service's state and the command — no clock,
/// no randomness, no I/O whose result can differ between nodes. Put anything non-deterministic (a
/// timestamp, an id) into the command in <see cref="PrepareAsync"/>, which runs once, on the leader.
/// </para>
/// </summary>
public interface IService
{
    /// <summary>
    /// The namespace of this service's commands; several services can share one log, each with its own
    /// name. Letters, digits, '-', '_' and '.', 1 to 64 characters.
    /// </summary>
    string Namespace { get; }

    /// <summary>
    /// eosc's ProcessHandler: turns a client request into the command to replicate, or rejects it by
    /// throwing <see cref="ServiceRejectedException"/> (the client gets its message; nothing is proposed).
    /// Runs once, on the leader (or on a standalone node), before the command is proposed.
    /// </summary>
    ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken);

    /// <summary>
    /// eosc's CommitHandler: applies one committed command, on every node, in log order. The returned
    /// bytes are the reply to the client that proposed it; for a command with a client session they are
    /// also kept (in the replicated session table, and in snapshots) to answer a retry of that command,
    /// so keep replies small. Throwing is a bug in the service: the node stops rather than diverge from
    /// the others.
    /// </summary>
    byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command);

    /// <summary>Answers a read against the current state (after a ReadIndex barrier for linearizable reads).</summary>
    byte[] Query(ReadOnlySpan<byte> query);

    /// <summary>
    /// Packs the whole current state into one command whose <see cref="Apply"/> recreates it: used when a
    /// standalone node with data becomes the first member of a cluster.
    /// </summary>
    byte[] GetInit();

    /// <summary>
    /// Writes the whole state to <paramref name="destination"/> (streamed: the state may be large). The
    /// stream is write-only and forward-only (no Length, Position or Seek); disposing it is allowed and
    /// does not end the snapshot. Must not change the state.
    /// </summary>
    ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken);

    /// <summary>
    /// Captures the state for a snapshot and returns the writer of what was captured. It is called like the
    /// other hooks (between two <see cref="Apply"/> calls, never concurrently with them), but the writer it
    /// returns runs afterwards, off the node's message loops and concurrently with <see cref="Apply"/> and
    /// <see cref="Query"/>, so that storing a large state does not hold up applying: it must write the state
    /// as captured here, not as it is when it runs. A service whose state is immutable or copy-on-write
    /// captures in O(1) and writes its captured version; the default runs <see cref="WriteSnapshotAsync"/>
    /// now, into memory, and the writer copies those bytes out (the state is held twice meanwhile).
    /// </summary>
    ValueTask<SnapshotWriter> CaptureSnapshotAsync(CancellationToken cancellationToken) =>
        Runtime.CapturedSnapshot.CaptureAsync(this, cancellationToken);

    /// <summary>
    /// Replaces the whole state with the content of <paramref name="source"/> (eosc's ResetSnap): exactly
    /// the bytes <see cref="WriteSnapshotAsync"/> wrote. The stream is forward-only and ends where this
    /// service's part of the snapshot ends; it throws <see cref="InvalidDataException"/> if the bytes were
    /// damaged, before handing out any damaged byte. If this throws, the node stops.
    /// </summary>
    ValueTask RestoreSnapshotAsync(Stream source, CancellationToken cancellationToken);
}

/// <summary>
/// Writes a state captured by <see cref="IService.CaptureSnapshotAsync"/> to <paramref name="destination"/>,
/// with the same contract as <see cref="IService.WriteSnapshotAsync"/>; called once.
/// </summary>
public delegate ValueTask SnapshotWriter(Stream destination, CancellationToken cancellationToken);

/// <summary>Where the command being applied sits in the log.</summary>
public readonly record struct ApplyContext(ulong Index, ulong Term);

/// <summary>Thrown by <see cref="IService.PrepareAsync"/> to refuse a request; the message goes back to the client.</summary>
public sealed class ServiceRejectedException : Exception
{
    public ServiceRejectedException(string message) : base(message) { }
    public ServiceRejectedException(string message, Exception inner) : base(message, inner) { }
}
