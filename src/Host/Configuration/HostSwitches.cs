using System.Globalization;

namespace RaftActors.Host.Configuration;

/// <summary>One eosc-style switch: its name, the configuration key it sets, what it does and its default for --help.</summary>
internal sealed record HostSwitch(string Name, string Key, string HelpName, string Description, string? Default, bool IsFlag = false);

/// <summary>
/// Every switch of the node, in the order --help lists them. The one table behind the command-line parser,
/// the configuration mapping and the names errors give; defaults are read from <see cref="NodeHostOptions"/>.
/// </summary>
internal static class HostSwitches
{
    private static readonly NodeHostOptions Defaults = new();

    public static IReadOnlyList<HostSwitch> All { get; } =
    [
        Node("--http-port", nameof(NodeHostOptions.HttpPort), "port", "Port of the HTTP client API (0 picks a free one).", Text(Defaults.HttpPort)),
        Node("--http-bind", nameof(NodeHostOptions.HttpBind), "ip", "Interface the HTTP API listens on.", Defaults.HttpBind),
        Node("--admin-token", nameof(NodeHostOptions.AdminToken), "token",
            "Bearer token required by addNode, deleteNode, transferLeader and leave (better: RAFTACTORS_Node__AdminToken).", "none: open"),
        Node("--client-token", nameof(NodeHostOptions.ClientToken), "token",
            "Bearer token required by set and get (better: RAFTACTORS_Node__ClientToken).", "none: open"),
        Flag("--allow-unauthenticated", nameof(NodeHostOptions.AllowUnauthenticated),
            "Let --http-bind name a non-loopback address without both tokens."),
        Node("--http-url", nameof(NodeHostOptions.HttpUrl), "url", "URL other hosts use to reach this node's HTTP API.", "http://{host ip}:{http port}"),
        Node("--node-id", nameof(NodeHostOptions.NodeId), "id", "This node's id when it founds a cluster or runs standalone.", Text(Defaults.NodeId)),
        Node("--host", nameof(NodeHostOptions.Host), "ip:port", "Peer (Raft) address of this node: ip:port or http://ip:port.", Defaults.Host),
        Flag("--cluster", nameof(NodeHostOptions.Cluster), "Found a cluster of --peers (ids --keys) instead of starting standalone."),
        Node("--peers", nameof(NodeHostOptions.Peers), "list", "Comma-separated peer addresses of the founding members.", "none"),
        Node("--keys", nameof(NodeHostOptions.Keys), "list", "Comma-separated node ids of --peers, in the same order.", "none"),
        Flag("--join", nameof(NodeHostOptions.Join), "Join the cluster that --target belongs to."),
        Node("--target", nameof(NodeHostOptions.Target), "url", "HTTP URL of a member of the cluster to join.", "none"),
        Flag("--discard-data", nameof(NodeHostOptions.DiscardData), "Let a join wipe data this node holds from another cluster or from standalone mode."),
        Node("--data-dir", nameof(NodeHostOptions.DataDir), "dir", "Folder of the node's journal and state.", Defaults.DataDir),
        Node("--cluster-id", nameof(NodeHostOptions.ClusterId), "name", "Name of the cluster; members must agree.", Defaults.ClusterId),
        Node("--secret", nameof(NodeHostOptions.Secret), "text", "Cluster secret, 16 bytes or more (better: RAFTACTORS_Node__Secret).", "generated in the data folder"),
        Node("--max-body-bytes", nameof(NodeHostOptions.MaxBodyBytes), "bytes", "Largest accepted HTTP request body.", Text(Defaults.MaxBodyBytes)),
        Node("--tick-ms", nameof(NodeHostOptions.TickMilliseconds), "ms", "Raft tick in milliseconds.", Text(Defaults.TickMilliseconds)),
        Node("--snapshot-every", nameof(NodeHostOptions.SnapshotEvery), "entries", "Entries applied between snapshots.", Text(Defaults.SnapshotEvery)),
        Flag("--exit-on-stdin-close", nameof(NodeHostOptions.ExitOnStdinClose), "Stop gracefully when standard input closes."),
        Node("--log-format", nameof(NodeHostOptions.LogFormat), "format", $"Console log format: {string.Join(", ", NodeHostOptionsValidator.LogFormats)}.", "simple"),
        new("--config", "ConfigFile", "file", "A JSON file, or a HOCON file (.conf, .hocon), read under the environment and the switches.", "none"),
    ];

    /// <summary>Switch name → configuration key, for the configuration's command-line provider.</summary>
    public static Dictionary<string, string> Mappings() => All.ToDictionary(s => s.Name, s => s.Key, StringComparer.OrdinalIgnoreCase);

    private static HostSwitch Node(string name, string key, string helpName, string description, string? defaultValue) =>
        new(name, $"{NodeHostOptions.Section}:{key}", helpName, description, defaultValue);

    private static HostSwitch Flag(string name, string key, string description) =>
        new(name, $"{NodeHostOptions.Section}:{key}", "", description, "false", IsFlag: true);

    private static string Text<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
