using System.Text.Json;
using System.Text.Json.Serialization;
using RaftActors.Host.Api;

namespace RaftActors.Host.Node;

/// <summary>
/// What the host must know before it can open the journal again: the node's id (given by the cluster when
/// it joined), which cluster the data belongs to, and the peer address it was admitted with. Kept as
/// <c>node.json</c> beside the journal folder.
/// </summary>
internal sealed record NodeStateFile(
    [property: JsonPropertyName("nodeId")] ulong NodeId,
    [property: JsonPropertyName("clusterId")] string ClusterId,
    [property: JsonPropertyName("peer")] string Peer,
    [property: JsonPropertyName("joined")] bool Joined,
    [property: JsonPropertyName("secret")] string? Secret)
{
    public const string FileName = "node.json";

    public static string PathIn(string dataDir) => Path.Combine(dataDir, FileName);

    public static NodeStateFile? Load(string dataDir)
    {
        var path = PathIn(dataDir);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), HostJson.Default.NodeStateFile)
                ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid JSON ({ex.Message}); restore it or move the data folder away", ex);
        }
    }

    /// <summary>
    /// Written to a temporary file created with mode 600 (it may hold the secret), fsynced and renamed, and the
    /// folder fsynced: a crash leaves the old or the new file, never half of one, and others never read it.
    /// </summary>
    public void Save(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        DurableFiles.Write(PathIn(dataDir), stream => JsonSerializer.Serialize(stream, this, HostJson.Default.NodeStateFile));
    }

    /// <summary>True when the folder holds a node's state or journal.</summary>
    public static bool HasData(string dataDir) =>
        File.Exists(PathIn(dataDir)) || (Directory.Exists(JournalDir(dataDir)) && Directory.EnumerateFileSystemEntries(JournalDir(dataDir)).Any());

    public static string JournalDir(string dataDir) => Path.Combine(dataDir, "raft");

    /// <summary>Where a node leaving for standalone builds its new journal, until its first entries are durable.</summary>
    public static string NextJournalDir(string dataDir) => Path.Combine(dataDir, "raft.next");

    /// <summary>Where the replaced journal waits, for a moment, to be deleted.</summary>
    public static string OldJournalDir(string dataDir) => Path.Combine(dataDir, "raft.old");

    /// <summary>
    /// Puts the complete journal in <see cref="NextJournalDir"/> in place of the current one, durably: the current
    /// one is renamed away, the next one renamed in (each rename followed by an fsync of the folder), and only then
    /// the old one deleted. <see cref="RecoverJournalSwap"/> finishes or undoes a swap a crash interrupted.
    /// </summary>
    public static void SwapJournal(string dataDir)
    {
        var old = OldJournalDir(dataDir);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(JournalDir(dataDir))) DurableFiles.MoveFolder(JournalDir(dataDir), old);
        DurableFiles.MoveFolder(NextJournalDir(dataDir), JournalDir(dataDir));
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>
    /// At start: a next journal with the current one still in place was never swapped in (its entries may not all
    /// be durable): it goes. An old journal without a current one means the crash came between the two renames,
    /// when the next journal was complete: the swap is finished. An old journal beside a current one is deleted.
    /// </summary>
    public static void RecoverJournalSwap(string dataDir)
    {
        var current = JournalDir(dataDir);
        var next = NextJournalDir(dataDir);
        var old = OldJournalDir(dataDir);
        if (Directory.Exists(old) && !Directory.Exists(current) && Directory.Exists(next)) DurableFiles.MoveFolder(next, current);
        if (Directory.Exists(next)) Directory.Delete(next, recursive: true);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>Deletes the node's state and journal (an explicit --discard-data, or leaving for standalone).</summary>
    public static void Wipe(string dataDir)
    {
        RecoverJournalSwap(dataDir);
        if (Directory.Exists(JournalDir(dataDir))) Directory.Delete(JournalDir(dataDir), recursive: true);
        if (File.Exists(PathIn(dataDir))) File.Delete(PathIn(dataDir));
    }
}
