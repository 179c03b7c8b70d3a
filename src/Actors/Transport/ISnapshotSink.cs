using RaftActors.Messages;

namespace RaftActors.Actors.Transport;

/// <summary>
/// Receives snapshots streamed by a leader. For one snapshot the listener calls <see cref="BeginAsync"/>
/// once, writes the payload in order into the returned stream chunk by chunk, then calls exactly one of
/// <see cref="CompleteAsync"/> or <see cref="AbortAsync"/> with that same stream. The sink owns the stream:
/// it disposes it in Complete or Abort. Calls for one peer never overlap; calls for different peers may.
/// </summary>
public interface ISnapshotSink
{
    /// <summary>
    /// A snapshot starts. <paramref name="message"/> is the Snapshot message with its metadata and an empty
    /// <see cref="Snapshot.Data"/>; the payload follows into the returned stream.
    /// </summary>
    ValueTask<Stream> BeginAsync(ulong fromNode, RaftMessage message, CancellationToken cancellationToken);

    /// <summary>Every byte has been written. The runtime now restores from the stream's content and steps <paramref name="message"/>.</summary>
    ValueTask CompleteAsync(ulong fromNode, RaftMessage message, Stream payload, CancellationToken cancellationToken);

    /// <summary>The snapshot will not complete (sender aborted, connection lost, protocol error): discard what was written.</summary>
    ValueTask AbortAsync(ulong fromNode, RaftMessage message, Stream payload, string reason);
}
