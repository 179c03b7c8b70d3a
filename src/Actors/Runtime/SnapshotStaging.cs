using System.Globalization;
using RaftActors.Actors.Transport;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// Where snapshots streamed by a leader land: each goes to its own file in
/// <c>&lt;dataDir&gt;/snapshots-incoming/</c>, is fsynced once complete, and is then handed to the RaftActor
/// as <see cref="SnapshotReceived"/>, which owns the file from then on (it stores it in the journal and the
/// ServiceActor restores from it). A file on disk rather than memory, because a snapshot may be larger than
/// memory. Files left by a transfer a crash interrupted are deleted when the node starts.
/// </summary>
internal sealed class SnapshotStaging : ISnapshotSink
{
    /// <summary>The folder, under the data directory, that holds inbound snapshots.</summary>
    public const string FolderName = "snapshots-incoming";

    /// <summary>The default of <see cref="MaxSnapshotBytes"/>: 64 GiB.</summary>
    public const long DefaultMaxSnapshotBytes = 64L * 1024 * 1024 * 1024;

    private readonly IActorRef _raftActor;
    private readonly ITransportLog _log;
    private long _nextFile;

    /// <param name="maxSnapshotBytes">
    /// The largest snapshot accepted. A transfer that goes beyond it is aborted (its file deleted and the
    /// connection closed), so a faulty or hostile leader cannot fill the disk.
    /// </param>
    public SnapshotStaging(string dataDirectory, IActorRef raftActor, long maxSnapshotBytes = DefaultMaxSnapshotBytes, ITransportLog? log = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSnapshotBytes);
        _raftActor = raftActor ?? throw new ArgumentNullException(nameof(raftActor));
        _log = log ?? NullTransportLog.Instance;
        MaxSnapshotBytes = maxSnapshotBytes;
        Folder = Path.Combine(dataDirectory, FolderName);
        Directory.CreateDirectory(Folder);
        DeleteLeftovers();
    }

    public string Folder { get; }

    public long MaxSnapshotBytes { get; }

    public ValueTask<Stream> BeginAsync(ulong fromNode, RaftMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var meta = message.Snapshot?.Metadata ?? throw new ArgumentException("a snapshot transfer begins with a Snapshot message", nameof(message));
        var sequence = Interlocked.Increment(ref _nextFile).ToString(CultureInfo.InvariantCulture);
        var path = Path.Combine(Folder, FormattableString.Invariant($"from-{fromNode}-index-{meta.Index}-term-{meta.Term}-{sequence}.snapshot"));
        // FileMode.CreateNew: a name collision would mean two transfers sharing a file, never acceptable.
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024, FileOptions.Asynchronous);
        _log.Log(TransportLogLevel.Information, $"receiving snapshot at index {meta.Index} (term {meta.Term}) from node {fromNode} into {path}");
        return ValueTask.FromResult<Stream>(new StagedSnapshotStream(file, path, MaxSnapshotBytes));
    }

    public async ValueTask CompleteAsync(ulong fromNode, RaftMessage message, Stream payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var staged = Staged(payload);
        try
        {
            await staged.File.FlushAsync(cancellationToken).ConfigureAwait(false);
            // Durable before anyone acts on it: the RaftActor writes it into the journal and the core then
            // forgets the log it replaces.
            staged.File.Flush(flushToDisk: true);
        }
        catch
        {
            // The transport does not abort a snapshot whose completion failed: the file is removed here.
            await staged.DisposeAsync().ConfigureAwait(false);
            TryDelete(staged.Path);
            throw;
        }
        await staged.DisposeAsync().ConfigureAwait(false);
        _log.Log(TransportLogLevel.Information,
            $"received snapshot at index {message.Snapshot!.Metadata.Index} from node {fromNode}: {staged.Written} bytes in {staged.Path}");
        _raftActor.Tell(new SnapshotReceived(message, staged.Path));
    }

    public async ValueTask AbortAsync(ulong fromNode, RaftMessage message, Stream payload, string reason)
    {
        var staged = Staged(payload);
        await staged.DisposeAsync().ConfigureAwait(false);
        TryDelete(staged.Path);
        _log.Log(TransportLogLevel.Warning,
            $"snapshot at index {message?.Snapshot?.Metadata.Index} from node {fromNode} abandoned after {staged.Written} bytes: {reason}");
    }

    private static StagedSnapshotStream Staged(Stream payload) => payload as StagedSnapshotStream
        ?? throw new ArgumentException("the stream was not opened by this sink", nameof(payload));

    private void DeleteLeftovers()
    {
        foreach (var path in Directory.EnumerateFiles(Folder))
        {
            _log.Log(TransportLogLevel.Information, $"deleting {path}, left by a snapshot transfer that did not finish");
            TryDelete(path);
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Harmless: leftovers are deleted at the next start.
            _log.Log(TransportLogLevel.Warning, $"could not delete {path}: {e.Message}");
        }
    }
}

/// <summary>
/// The write side of one staged snapshot: the file, its path, and a byte count checked against the limit
/// before each write, so an oversized transfer stops before the bytes that exceed it reach the disk.
/// </summary>
internal sealed class StagedSnapshotStream(FileStream file, string path, long maxBytes) : Stream
{
    public FileStream File { get; } = file;
    public string Path { get; } = path;
    public long Written { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Reserve(buffer.Length);
        File.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Reserve(buffer.Length);
        await File.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => File.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => File.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) File.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await File.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Reserve(int count)
    {
        if (Written + count > maxBytes)
        {
            // A protocol violation for the transport: it closes the connection and aborts the snapshot.
            throw new TransportException($"snapshot exceeds the limit of {maxBytes} bytes for an inbound snapshot");
        }
        Written += count;
    }
}
