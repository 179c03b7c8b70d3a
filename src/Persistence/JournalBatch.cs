using RaftActors.Messages;

namespace RaftActors.Persistence;

/// <summary>
/// What one <see cref="IJournal.Save"/> makes durable at once: entries to append, an optional hard state
/// and an optional snapshot. Immutable: the <c>With*</c> methods return new batches, and the entries are
/// copied into the batch's own list. A streamed snapshot payload is the exception that cannot be
/// immutable: the stream is read by the one <see cref="IJournal.Save"/> it is given to.
/// </summary>
public sealed class JournalBatch
{
    public static readonly JournalBatch Empty = new([], null, null, null, null);

    private readonly byte[]? _snapshotBytes;
    private readonly Stream? _snapshotStream;

    public JournalBatch(IEnumerable<Entry>? entries = null, HardState? hardState = null)
        : this(entries is null ? [] : [.. entries], hardState, null, null, null)
    {
    }

    private JournalBatch(Entry[] entries, HardState? hardState, SnapshotMetadata? snapshot, byte[]? bytes, Stream? stream)
    {
        Entries = entries;
        HardState = hardState;
        Snapshot = snapshot;
        _snapshotBytes = bytes;
        _snapshotStream = stream;
    }

    /// <summary>The entries to append, in index order; empty when there are none.</summary>
    public IReadOnlyList<Entry> Entries { get; }

    /// <summary>The hard state to store, or <c>null</c> to keep the stored one.</summary>
    public HardState? HardState { get; }

    /// <summary>The metadata of the snapshot to store, or <c>null</c> when the batch carries none.</summary>
    public SnapshotMetadata? Snapshot { get; }

    public bool IsEmpty => Entries.Count == 0 && HardState is null && Snapshot is null;

    public JournalBatch WithEntries(IEnumerable<Entry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return new([.. entries], HardState, Snapshot, _snapshotBytes, _snapshotStream);
    }

    public JournalBatch WithHardState(HardState hardState) =>
        new((Entry[])Entries, hardState, Snapshot, _snapshotBytes, _snapshotStream);

    /// <summary>A batch carrying a snapshot whose payload is in memory (small snapshots, tests).</summary>
    public JournalBatch WithSnapshot(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        CheckSnapshot(snapshot.Metadata);
        return new((Entry[])Entries, HardState, snapshot.Metadata, snapshot.Data, null);
    }

    /// <summary>
    /// A batch carrying a snapshot whose payload is read from <paramref name="payload"/> (from its current
    /// position to its end) during <see cref="IJournal.Save"/>. The caller keeps ownership of the stream.
    /// </summary>
    public JournalBatch WithSnapshot(SnapshotMetadata metadata, Stream payload)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(payload);
        CheckSnapshot(metadata);
        if (!payload.CanRead) throw new ArgumentException("the snapshot payload stream is not readable", nameof(payload));
        return new((Entry[])Entries, HardState, metadata, null, payload);
    }

    /// <summary>The payload to copy; a fresh reader over the bytes, or the caller's stream.</summary>
    internal Stream OpenSnapshotPayload() =>
        _snapshotStream ?? new MemoryStream(_snapshotBytes ?? [], writable: false);

    private static void CheckSnapshot(SnapshotMetadata metadata)
    {
        // Index 0 is how SnapshotMetadata.Empty says "no snapshot"; storing it would be meaningless.
        if (metadata.Index == 0) throw new ArgumentException("a snapshot to store must have an index above 0", nameof(metadata));
    }
}
