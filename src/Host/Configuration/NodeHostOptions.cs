namespace RaftActors.Host.Configuration;

/// <summary>
/// One node's settings, bound from the "Node" section: a JSON file (<c>--config</c>), environment variables
/// (<c>RAFTACTORS_Node__HttpPort</c>...) and the command line, the last winning. The eosc parameters keep
/// their meaning: <c>--http-port</c>, <c>--node-id</c>, <c>--host</c>, <c>--cluster</c>, <c>--peers</c>,
/// <c>--keys</c>, <c>--join</c>, <c>--target</c>.
/// </summary>
internal sealed class NodeHostOptions
{
    public const string Section = "Node";

    /// <summary>The port of the HTTP client API (0 picks a free one).</summary>
    public int HttpPort { get; set; } = 8081;

    /// <summary>The interface the HTTP API listens on.</summary>
    public string HttpBind { get; set; } = "127.0.0.1";

    /// <summary>The URL other hosts use to reach this node's HTTP API; defaults to http://{host ip}:{http port}.</summary>
    public string? HttpUrl { get; set; }

    /// <summary>This node's id when it founds a cluster or runs standalone; a joining node is given one.</summary>
    public ulong NodeId { get; set; } = 1;

    /// <summary>The peer (Raft) address of this node: ip:port or http://ip:port.</summary>
    public string Host { get; set; } = "127.0.0.1:7081";

    /// <summary>Found a cluster of <see cref="Peers"/> (with ids <see cref="Keys"/>) instead of starting standalone.</summary>
    public bool Cluster { get; set; }

    /// <summary>Comma-separated peer addresses of the founding members (this node's own may be among them).</summary>
    public string? Peers { get; set; }

    /// <summary>Comma-separated node ids of <see cref="Peers"/>, in the same order.</summary>
    public string? Keys { get; set; }

    /// <summary>Join the cluster that <see cref="Target"/> belongs to.</summary>
    public bool Join { get; set; }

    /// <summary>The HTTP URL of a member of the cluster to join.</summary>
    public string? Target { get; set; }

    /// <summary>Allow a join to wipe data this node holds from another cluster or from standalone mode.</summary>
    public bool DiscardData { get; set; }

    public string DataDir { get; set; } = "data";

    public string ClusterId { get; set; } = "raftactors";

    /// <summary>The cluster secret (16 bytes or more); generated and kept in the data folder when not given.</summary>
    public string? Secret { get; set; }

    /// <summary>Largest accepted HTTP request body, in bytes.</summary>
    public long MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Raft tick in milliseconds (eosc: 100).</summary>
    public int TickMilliseconds { get; set; } = 100;

    /// <summary>Entries applied between snapshots (eosc: 10,000).</summary>
    public ulong SnapshotEvery { get; set; } = 10_000;

    /// <summary>
    /// Console log format: simple (one line per entry), json (one JSON object per line, with EventId) or
    /// systemd. When not given, the standard <c>Logging:Console:FormatterName</c> setting decides.
    /// </summary>
    public string? LogFormat { get; set; }

    /// <summary>Bearer token that addNode, deleteNode, transferLeader and leave require; none: they are open to any caller.</summary>
    public string? AdminToken { get; set; }

    /// <summary>Bearer token that set and get require; none: they are open to any caller.</summary>
    public string? ClientToken { get; set; }

    /// <summary>Lets the HTTP API listen beyond loopback without both tokens: an explicit choice to serve it unauthenticated.</summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>Stop gracefully when standard input closes: lets a parent process (the demo) stop its children.</summary>
    public bool ExitOnStdinClose { get; set; }
}
