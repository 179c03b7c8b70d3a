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
    private readonly CancellationTokenSource _stopping = new();
    private bool _snapshotWriting;
    private bool _snapshotWanted;

    /// <summary>
    /// Captures the services and the sessions as of the applied index (here, between two entries, as the
    /// <see cref="IService"/> contract wants), then writes the capture to a file in the staging directory off
    /// this actor's loop, so applying goes on while a large state is stored; <see cref="OnSnapshotFileWritten"/>
    /// hands the durable file to the RaftActor, which stores it and compacts the log. One write at a time: a
    /// snapshot due meanwhile is taken once it is done, at the index applied by then.
    /// </summary>
    private async Task TakeSnapshotAsync()
    {
        if (_snapshotWriting)
        {
            _snapshotWanted = true;
            return;
        }
        _snapshotWanted = false;
        var meta = new SnapshotMetadata(_applied, _appliedTerm, _confState);
        // Counted from the attempt, not the success: a failing disk is not retried after every entry.
        _snapshotBase = meta.Index;
        var name = string.Create(CultureInfo.InvariantCulture, $"service-snapshot-{_nodeId}-{meta.Index}-{meta.Term}.tmp");
        var path = Path.Combine(_options.StagingDirectory, name);
        ReadOnlyMemory<byte> header;
        var sections = new SnapshotWriter[_services.Length];
        try
        {
            header = ServiceSnapshotFormat.EncodeHeader(meta.Index, meta.Term, _services.Select(s => s.Namespace), _addresses, _sessions);
            for (var i = 0; i < _services.Length; i++) sections[i] = await _services[i].CaptureSnapshotAsync(_stopping.Token);
            Directory.CreateDirectory(_options.StagingDirectory);
        }
#pragma warning disable CA1031 // A service's snapshot hook or the disk failed: the state is intact, so go on without this snapshot.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ServiceActorLog.SnapshotFailed(_log, _nodeId, meta.Index, _options.SnapshotEvery, ex);
            return;
        }
        _snapshotWriting = true;
        var stopping = _stopping.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                var (length, crc) = await SnapshotPayloadWriter.WriteAsync(path, header, sections, stopping).ConfigureAwait(false);
                return new SnapshotFileWritten(meta, path, length, crc, null);
            }
#pragma warning disable CA1031 // Reported to the actor, which goes on without this snapshot.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return new SnapshotFileWritten(meta, path, 0, 0, ex);
            }
        }, CancellationToken.None).PipeTo(Self);
    }

    /// <summary>Files a crash left half written: they were never handed to the RaftActor, so nothing refers to them.</summary>
    protected override void PreStart()
    {
        if (!Directory.Exists(_options.StagingDirectory)) return;
        foreach (var path in Directory.EnumerateFiles(_options.StagingDirectory, $"service-snapshot-{_nodeId}-*.tmp")) TryDelete(path);
    }

    /// <summary>The capture is on disk (or failed): hand it to the RaftActor, then take a snapshot that fell due meanwhile.</summary>
    private async Task OnSnapshotFileWritten(SnapshotFileWritten written)
    {
        _snapshotWriting = false;
        if (written.Error is { } error)
        {
            ServiceActorLog.SnapshotFailed(_log, _nodeId, written.Metadata.Index, _options.SnapshotEvery, error);
        }
        else
        {
            ServiceActorLog.SnapshotWritten(_log, _nodeId, written.Metadata.Index, written.Metadata.Term, written.Path);
            _raftActor.Tell(new ServiceSnapshotTaken(written.Metadata, written.Path, written.Length, written.Crc), Self);
        }
        var due = _options.SnapshotEvery > 0 && _applied - _snapshotBase >= _options.SnapshotEvery;
        if ((_snapshotWanted || due) && _applied > _snapshotBase) await TakeSnapshotAsync();
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
        // A version 1 snapshot recorded no addresses: the members keep those known here.
        _addresses = MemberAddresses.Restrict(restored.Addresses ?? _addresses, meta.ConfState);
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

/// <summary>A captured snapshot's file is written and fsynced (with its length and CRC), or <paramref name="Error"/> says why not.</summary>
internal sealed record SnapshotFileWritten(SnapshotMetadata Metadata, string Path, long Length, uint Crc, Exception? Error);
