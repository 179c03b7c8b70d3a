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

    /// <summary>Deletes the node's state and journal (an explicit --discard-data, or leaving for standalone).</summary>
    public static void Wipe(string dataDir)
    {
        if (Directory.Exists(JournalDir(dataDir))) Directory.Delete(JournalDir(dataDir), recursive: true);
        if (File.Exists(PathIn(dataDir))) File.Delete(PathIn(dataDir));
    }
}
