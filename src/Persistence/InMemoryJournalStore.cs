using RaftActors.Messages;

namespace RaftActors.Persistence;

/// <summary>
/// The "disk" behind <see cref="InMemoryJournal"/>: it outlives the journals opened over it, so a test can
/// dispose a journal and open a new one over the same store to simulate a restart, and can make writes
/// fail to test a runtime's fail-stop. One journal at a time may hold a store, like a lock file.
/// </summary>
public sealed class InMemoryJournalStore
{
    internal readonly Lock Gate = new();

    public InMemoryJournalStore(string name = "memory")
    {
        Name = name;
    }

    /// <summary>Names the store in error messages.</summary>
    public string Name { get; }

    /// <summary>
    /// When true, every write (Save, Compact, SetMeta, RemoveMeta) fails with <see cref="JournalWriteException"/>
    /// before changing anything, as a full or broken disk would.
    /// </summary>
    public bool FailWrites { get; set; }

    internal bool IsOpen { get; set; }
    internal HardState HardState { get; set; }
    internal SnapshotMetadata Snapshot { get; set; } = SnapshotMetadata.Empty;
    internal byte[] SnapshotPayload { get; set; } = [];
    internal LogPosition Base { get; set; }

    /// <summary>The entries from <see cref="Base"/> + 1 on, in index order.</summary>
    internal List<Entry> Entries { get; } = [];

    internal Dictionary<string, byte[]> Meta { get; } = new(StringComparer.Ordinal);
}
