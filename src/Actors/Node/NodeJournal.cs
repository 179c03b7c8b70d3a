using Akka.Actor;
using Akka.Configuration;

namespace RaftActors.Actors;

/// <summary>
/// Where a node journals. A node without plugin ids gets the project's SQLite journal and snapshot store in its
/// own data folder, under plugin ids of its own (two nodes of one ActorSystem never share a file), added to the
/// system's configuration as fallbacks. Never the system's default journal: Akka's default is in memory.
/// </summary>
internal static class NodeJournal
{
    public static (string Journal, string Snapshots) Resolve(ActorSystem system, RaftNodeOptions options)
    {
        var data = Path.GetFullPath(options.DataDirectory);
        var journal = options.JournalPluginId;
        var snapshots = options.SnapshotPluginId;
        var extra = new List<string>();
        if (journal is null)
        {
            journal = $"akka.persistence.journal.raft-sqlite-node-{options.NodeId}";
            extra.Add(Plugin(journal, "RaftActors.Persistence.Plugin.SqliteEventJournal", Path.Combine(data, "journal.db")));
        }
        if (snapshots is null)
        {
            snapshots = $"akka.persistence.snapshot-store.raft-sqlite-node-{options.NodeId}";
            extra.Add(Plugin(snapshots, "RaftActors.Persistence.Plugin.SqliteSnapshotStore", Path.Combine(data, "snapshots.db")));
        }
        if (extra.Count > 0) system.Settings.InjectTopLevelFallback(ConfigurationFactory.ParseString(string.Join('\n', extra)));
        return (journal, snapshots);
    }

    private static string Plugin(string id, string type, string path) => $$"""
        {{id}} {
          class = "{{type}}, RaftActors.Persistence"
          plugin-dispatcher = "akka.actor.default-dispatcher"
          path = "{{path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}}"
          check-on-open = quick
        }
        """;
}
