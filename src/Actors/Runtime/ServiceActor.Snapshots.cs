using Akka.Actor;
using System.Globalization;
using RaftActors.Messages;

// Awaits in an actor's handlers resume on the actor's own task scheduler (Akka's ActorTaskScheduler): a
// ConfigureAwait(false) would resume outside the actor, without its Self, Sender and Context.
#pragma warning disable CA2007

namespace RaftActors.Actors.Runtime;

/// <summary>Writing snapshots for the journal, and restoring them (from the journal or from the leader).</summary>
internal sealed partial class ServiceActor
{
    private const int FileBufferSize = 64 * 1024;

    /// <summary>
    /// Writes the services and the sessions as of the applied index to a file in the staging directory,
    /// durably, and hands it to the RaftActor, which stores it in the journal and compacts the log.
    /// </summary>
    private async Task TakeSnapshotAsync()
    {
        var meta = new SnapshotMetadata(_applied, _appliedTerm, _confState);
        // Counted from the attempt, not the success: a failing disk is not retried after every entry.
        _snapshotBase = meta.Index;
        var name = string.Create(CultureInfo.InvariantCulture, $"service-snapshot-{_nodeId}-{meta.Index}-{meta.Term}.tmp");
        var path = Path.Combine(_options.StagingDirectory, name);
        try
        {
            Directory.CreateDirectory(_options.StagingDirectory);
            var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, FileBufferSize, FileOptions.Asynchronous);
            await using (file)
            {
                await ServiceSnapshotFormat.WriteAsync(file, meta.Index, meta.Term, _sessions, _services, CancellationToken.None)
                    ;
                await file.FlushAsync();
                // The RaftActor compacts the log behind this snapshot: it must be on disk first.
                file.Flush(flushToDisk: true);
            }
        }
#pragma warning disable CA1031 // A service's snapshot hook or the disk failed: the state is intact, so go on without this snapshot.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ServiceActorLog.SnapshotFailed(_log, _nodeId, meta.Index, _options.SnapshotEvery, ex);
            TryDelete(path);
            return;
        }
        ServiceActorLog.SnapshotWritten(_log, _nodeId, meta.Index, meta.Term, path);
        _raftActor.Tell(new ServiceSnapshotTaken(meta, path), Self);
    }

    /// <summary>Replaces the services' state with a snapshot the leader sent (now the node's stored snapshot).</summary>
    private async Task OnRestoreSnapshotAsync(RestoreServiceSnapshot restore)
    {
        var meta = restore.Metadata;
        if (meta.Index <= _applied)
        {
            // Already covered: e.g. recovery read the same snapshot from the journal first.
            ServiceActorLog.OlderSnapshotIgnored(_log, _nodeId, meta.Index, _applied);
            return;
        }
        var file = new FileStream(restore.PayloadPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileBufferSize,
            FileOptions.Asynchronous);
        await using (file)
        {
            await RestoreAsync(file, $"'{restore.PayloadPath}'", meta, "restoring the snapshot from the leader");
        }
        Publish();
        ServeWaitingQueries();
    }

    /// <summary>
    /// Restores every service and the session table from <paramref name="payload"/>. Any failure stops
    /// the actor: the services may be half restored, and this node must not apply anything on top.
    /// </summary>
    private async Task RestoreAsync(Stream payload, string source, SnapshotMetadata meta, string what)
    {
        RestoredServiceSnapshot restored;
        try
        {
            restored = await ServiceSnapshotFormat.RestoreAsync(payload, source, _byNamespace, _options.MaxSessions, meta, CancellationToken.None)
                ;
        }
#pragma warning disable CA1031 // Rethrown as a fail-stop, whatever the cause (format, disk, the service's own hook).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new ActorFailStopException($"node {_nodeId}: {what} at index {meta.Index} failed, so the services stop: {ex.Message}", ex);
        }
        _sessions = restored.Sessions;
        _applied = restored.Index;
        _appliedTerm = restored.Term;
        _snapshotBase = restored.Index;
        _confState = meta.ConfState;
        ServiceActorLog.Restored(_log, _nodeId, source, restored.Index);
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ServiceActorLog.DeleteFailed(_log, _nodeId, path, ex);
        }
    }
}
