namespace RaftActors.Actors;

/// <summary>
/// A file in the node's data folder that says its journal has been written to: created, durably, once the first
/// start's events are persisted (and on any start that finds the journal holding data but no marker, for folders
/// from before the marker). A start that finds the marker but recovers nothing from the journal and the snapshot
/// store knows the journal was deleted or replaced under a folder that kept its data identity: peers would take the
/// node for the member they knew while it forgot its votes and log, so it stops with <see cref="NodeDataLostException"/>.
/// The journal may live outside the folder (an embedding user's database): the marker still records that it held data.
/// A crash between the first write and the marker leaves no marker, which can only miss a loss, never invent one.
/// </summary>
internal static class JournalMarker
{
    public const string FileName = "journal-written";

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    public static bool Exists(string dataDirectory) => File.Exists(PathIn(dataDirectory));

    /// <summary>Writes the marker unless it exists; <paramref name="persistenceId"/> is kept in it for the operator.</summary>
    public static void EnsureWritten(string dataDirectory, string persistenceId)
    {
        if (Exists(dataDirectory)) return;
        DurableFile.Write(PathIn(dataDirectory), $"the journal of {persistenceId} holds this node's votes and log; see the RaftActors docs before deleting it\n");
    }
}
