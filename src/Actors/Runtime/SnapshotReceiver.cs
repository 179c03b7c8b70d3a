using System.Globalization;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using RaftActors.Actors.Remote;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// Writes the snapshots leaders stream here, chunk by chunk, to files in <c>&lt;data&gt;/snapshots-incoming</c>
/// (a snapshot may be larger than memory). One transfer per sender; chunks must arrive in order. When the last
/// chunk's CRC-32C matches the whole payload, the file is fsynced and handed to the RaftActor as
/// <see cref="SnapshotReceived"/>, which owns it from then on. Anything else — a gap, a CRC mismatch, a
/// transfer beyond the size limit — aborts the transfer, deletes the file and tells the leader.
/// </summary>
internal sealed class SnapshotReceiver : IDisposable
{
    public const string FolderName = "snapshots-incoming";
    public const long DefaultMaxSnapshotBytes = 64L * 1024 * 1024 * 1024;

    private readonly string _folder;
    private readonly IActorRef _raftActor;
    private readonly ILogger _log;
    private readonly ulong _localId;
    private readonly long _maxBytes;
    private readonly Dictionary<ulong, Incoming> _transfers = [];
    private long _files;

    public SnapshotReceiver(string folder, IActorRef raftActor, ILogger log, ulong localId, long maxBytes = DefaultMaxSnapshotBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(raftActor);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        _folder = folder;
        _raftActor = raftActor;
        _log = log;
        _localId = localId;
        _maxBytes = maxBytes;
        Directory.CreateDirectory(folder);
        // Files left by transfers a crash interrupted.
        foreach (var path in Directory.EnumerateFiles(folder)) TryDelete(path);
    }

    /// <summary>Takes one chunk from <paramref name="from"/> and answers with the acknowledgement to send back.</summary>
    public SnapshotAck OnChunk(ulong from, SnapshotChunk chunk)
    {
        if (!_transfers.TryGetValue(from, out var transfer) || transfer.Id != chunk.TransferId)
        {
            if (transfer is not null) Abort(from, transfer, "a newer transfer replaced it");
            if (chunk.Offset != 0 || chunk.Header?.Snapshot is null)
            {
                return new SnapshotAck(chunk.TransferId, 0, Abort: true, "a transfer must begin at offset 0 with the snapshot message");
            }
            transfer = Begin(from, chunk);
        }
        if (chunk.Offset != transfer.Written) return Abort(from, transfer, $"chunk at offset {chunk.Offset}, expected {transfer.Written}");
        if (transfer.Written + chunk.Data.Length > _maxBytes) return Abort(from, transfer, $"the snapshot exceeds {_maxBytes} bytes");
        try
        {
            transfer.File.Write(chunk.Data);
            transfer.Written += chunk.Data.Length;
            transfer.Crc = Crc32C.Append(transfer.Crc, chunk.Data);
            if (!chunk.Last) return new SnapshotAck(transfer.Id, transfer.Written, Abort: false, "");
            if (transfer.Crc != chunk.PayloadCrc) return Abort(from, transfer, $"the payload's CRC is {transfer.Crc:x8}, the leader sent {chunk.PayloadCrc:x8}");
            // Durable before anyone acts on it: the core forgets the log this snapshot replaces.
            transfer.File.Flush(flushToDisk: true);
            transfer.File.Dispose();
        }
        catch (IOException e)
        {
            return Abort(from, transfer, $"writing {transfer.Path} failed: {e.Message}");
        }
        _transfers.Remove(from);
        Note($"received snapshot {transfer.Header.Snapshot!.Metadata.Index} from node {from}: {transfer.Written} bytes");
        _raftActor.Tell(new SnapshotReceived(transfer.Header, transfer.Path, transfer.Written, transfer.Crc));
        return new SnapshotAck(transfer.Id, transfer.Written, Abort: false, "");
    }

    public void Dispose()
    {
        foreach (var (_, transfer) in _transfers)
        {
            transfer.File.Dispose();
            TryDelete(transfer.Path);
        }
        _transfers.Clear();
    }

    private Incoming Begin(ulong from, SnapshotChunk chunk)
    {
        var meta = chunk.Header!.Snapshot!.Metadata;
        var name = string.Create(CultureInfo.InvariantCulture, $"from-{from}-index-{meta.Index}-term-{meta.Term}-{++_files}.snapshot");
        var path = Path.Combine(_folder, name);
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024);
        var transfer = new Incoming(chunk.TransferId, chunk.Header, path, file);
        _transfers[from] = transfer;
        return transfer;
    }

    private SnapshotAck Abort(ulong from, Incoming transfer, string reason)
    {
        _transfers.Remove(from);
        transfer.File.Dispose();
        TryDelete(transfer.Path);
        Note($"abandoned the snapshot from node {from} after {transfer.Written} bytes: {reason}");
        return new SnapshotAck(transfer.Id, transfer.Written, Abort: true, reason);
    }

    private void Note(string message) => RaftActorLog.Peer(_log, _localId, message);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Deleted at the next start.
        }
    }

    private sealed class Incoming(ulong id, RaftMessage header, string path, FileStream file)
    {
        public ulong Id { get; } = id;
        public RaftMessage Header { get; } = header;
        public string Path { get; } = path;
        public FileStream File { get; } = file;
        public long Written { get; set; }
        public uint Crc { get; set; }
    }
}
