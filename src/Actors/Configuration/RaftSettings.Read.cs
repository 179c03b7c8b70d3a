using System.Globalization;
using System.Text;
using Akka.Configuration;

namespace RaftActors.Actors.Configuration;

/// <summary>Reading each setting of <c>akka.raft</c> in the order of raftactors.conf, with its own range and message.</summary>
public sealed partial class RaftSettings
{
    private const string Tcp = "akka.remote.dot-netty.tcp";
    private const long MiB = 1024 * 1024;

    private static RaftSettings Read(Config config, List<RaftSettingError> errors)
    {
        var raft = new SettingsReader(config, Section, errors);
        var tcp = new SettingsReader(config, Tcp, errors);
        var reference = DefaultConfiguration().GetValue(Section).GetObject();
        raft.RejectUnknown(null, reference.Items.Keys);
        raft.RejectUnknown("peer-discovery", reference.GetKey("peer-discovery").GetObject().Items.Keys);

        var nodeId = ReadNodeId(raft);
        var (listen, akkaPublic) = ReadAkkaRemoteAddress(tcp);
        var advertised = ReadAdvertisedAddress(raft, listen, akkaPublic);
        var settings = new RaftSettings
        {
            NodeId = nodeId,
            ListenAddress = listen,
            AdvertisedAddress = advertised,
            // Entries are compared with this node only when its own id and address are right: one mistake, one message.
            Peers = ReadPeers(raft, raft.Failed("node-id") ? null : nodeId,
                tcp.Failed("hostname") || tcp.Failed("port") || raft.Failed("advertised-address") ? null : advertised ?? listen),
            Join = raft.Flag("join", false),
            DataDirectory = ReadName(raft, "data-dir", "the folder of this node's journal and snapshots, for example \"data/node1\""),
            ClusterId = ReadName(raft, "cluster-id", "the same cluster name on every node, for example \"orders\""),
            Secret = ReadSecret(raft),
            TickInterval = raft.Duration("tick-interval", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(100)),
            ElectionTicks = raft.Int("election-ticks", 1, 1_000_000, 10),
            HeartbeatTicks = raft.Int("heartbeat-ticks", 1, 1_000_000, 1),
            MaxSizePerMessage = (ulong)raft.Bytes("max-size-per-message", 1, 1024 * MiB, MiB),
            MaxInflightMessages = raft.Int("max-inflight-messages", 1, 1_000_000, 256),
            MaxUncommittedBytes = (ulong)raft.Bytes("max-uncommitted-bytes", 0, long.MaxValue, 64 * MiB),
            PreVote = raft.Flag("pre-vote", true),
            CheckQuorum = raft.Flag("check-quorum", true),
            LeaseBasedReads = raft.Flag("lease-based-reads", false),
            LeaseClockDriftTicks = raft.Int("lease-clock-drift-ticks", 0, 1_000_000, 1),
            SnapshotEvery = raft.Count("snapshot-every", 0, ulong.MaxValue, 10_000),
            KeepEntriesAfterSnapshot = raft.Count("keep-entries-after-snapshot", 0, ulong.MaxValue, 10_000),
            RequestTimeout = raft.Duration("request-timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1), TimeSpan.FromSeconds(10)),
            LeaderTransferTimeout = raft.Duration("leader-transfer-timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1), TimeSpan.FromSeconds(3)),
            JournalPluginId = ReadPluginId(raft, config, "journal-plugin-id"),
            SnapshotPluginId = ReadPluginId(raft, config, "snapshot-plugin-id"),
            MaxProposalBytes = raft.Bytes("max-proposal-bytes", 1, 1024 * MiB, MiB),
            SnapshotChunkBytes = (int)raft.Bytes("snapshot-chunk-bytes", 1024, 64 * MiB, 64 * 1024),
            SnapshotChunksInFlight = raft.Int("snapshot-chunks-in-flight", 1, 1024, 4),
            PeerDiscoveryEnabled = raft.Flag("peer-discovery.enabled", false),
            PeerDiscoveryRole = ReadRole(raft),
        };
        CheckTogether(settings, raft, tcp, config);
        return settings;
    }

    private static ulong ReadNodeId(SettingsReader raft)
    {
        var id = raft.Count("node-id", 0, ulong.MaxValue, 1);
        if (id == 0)
        {
            raft.Fail("node-id", "0", "is not set: give this node its own id, a whole number from 1 that no other node of the cluster has, such as akka.raft.node-id = 1");
        }
        return id;
    }

    /// <summary>
    /// Where Akka.Remote listens (this node's listen address), and its public address when public-hostname or
    /// public-port make it differ: the only address Akka.Remote accepts messages for.
    /// </summary>
    private static (string Listen, string? Public) ReadAkkaRemoteAddress(SettingsReader tcp)
    {
        var host = tcp.Has("hostname") ? tcp.Text("hostname") : "";
        if (host.Length == 0)
        {
            tcp.Fail("hostname", "is not set: Raft peers reach this node where Akka.Remote listens, so give it this node's IP address or DNS name");
        }
        else if (Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            tcp.Fail("hostname", host, "is not a host name or IP address");
        }
        var port = 0;
        if (tcp.Has("port")) port = tcp.Int("port", 0, 65535, 0);
        else tcp.Fail("port", "is not set: give the port Akka.Remote listens on (0 picks a free one)");
        var publicHost = tcp.Has("public-hostname") ? tcp.Text("public-hostname") : "";
        var publicPort = tcp.Has("public-port") ? tcp.Int("public-port", 0, 65535, 0) : 0;
        var listen = HostPort.Join(host, port);
        return (listen, publicHost.Length > 0 || publicPort > 0
            ? HostPort.Join(publicHost.Length > 0 ? publicHost : host, publicPort > 0 ? publicPort : port) : null);
    }

    /// <summary>advertised-address, else Akka.Remote's public address; null when both are the listen address.</summary>
    private static string? ReadAdvertisedAddress(SettingsReader raft, string listen, string? akkaPublic)
    {
        var text = raft.Text("advertised-address");
        if (text.Length == 0) return akkaPublic;
        var answersTo = akkaPublic ?? listen;
        if (HostPort.Check(text, minPort: 1) is { } problem)
        {
            raft.Fail("advertised-address", text, problem);
        }
        else if (!answersTo.EndsWith(":0", StringComparison.Ordinal) && !string.Equals(text, answersTo, StringComparison.OrdinalIgnoreCase))
        {
            raft.Fail("advertised-address", text,
                $"Akka.Remote answers only to its own address, {answersTo}: set {Tcp}.public-hostname and public-port to match, or leave advertised-address empty");
        }
        return text;
    }

    /// <param name="raft">The reader of akka.raft.</param>
    /// <param name="nodeId">This node's id; null when it is wrong itself.</param>
    /// <param name="ownAddress">Where this node is reached; null when that is wrong itself.</param>
    private static Dictionary<ulong, string> ReadPeers(SettingsReader raft, ulong? nodeId, string? ownAddress)
    {
        var peers = new Dictionary<ulong, string>();
        if (raft.Object("peers") is not { } entries) return peers;
        var seen = new Dictionary<string, ulong>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var path = $"peers.{key}";
            if (!ulong.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
            {
                raft.Fail(path, $"'{key}' is not a node id: peers are written id = \"host:port\", the id a whole number from 1 (2 = \"127.0.0.1:7002\")");
                continue;
            }
            if (raft.Raw(path) is not { } address) continue;
            if (HostPort.Check(address, minPort: 1) is { } problem)
            {
                raft.Fail(path, address, problem);
            }
            else if (id == nodeId)
            {
                // An entry for this node lets every node share one peers block; it must agree with where this node is.
                if (ownAddress is not null && !string.Equals(address, ownAddress, StringComparison.OrdinalIgnoreCase))
                {
                    raft.Fail(path, address, $"this is node {id} itself, which Akka.Remote places at {ownAddress}: make them the same, or leave this node out of peers");
                }
            }
            else if (seen.TryGetValue(address, out var other) || (nodeId is not null && ownAddress is not null && string.Equals(address, ownAddress, StringComparison.OrdinalIgnoreCase)))
            {
                raft.Fail(path, address, $"node {(seen.ContainsKey(address) ? other : nodeId)} has that address already: each node needs its own");
            }
            else if (!peers.TryAdd(id, address))
            {
                raft.Fail(path, address, $"names node {id} twice: ids must be unique");
            }
            else
            {
                seen[address] = id;
            }
        }
        return peers;
    }

    private static string ReadName(SettingsReader raft, string key, string what)
    {
        var text = raft.Text(key);
        if (string.IsNullOrWhiteSpace(text)) raft.Fail(key, $"is not set: give {what}");
        else if (text.Any(char.IsControl) || text.Trim().Length != text.Length) raft.Fail(key, text, "must not start or end with spaces nor hold control characters");
        return text;
    }

    private static string ReadSecret(SettingsReader raft)
    {
        var secret = raft.Text("secret");
        var bytes = Encoding.UTF8.GetByteCount(secret);
        // The value is never shown: it is the secret.
        if (bytes == 0) raft.Fail("secret", "is not set: give every node of the cluster the same secret, at least 16 bytes of UTF-8");
        else if (bytes < 16) raft.Fail("secret", $"must be at least 16 bytes of UTF-8 (it has {bytes}), the same on every node");
        return secret;
    }

    private static string ReadPluginId(SettingsReader raft, Config config, string key)
    {
        var id = raft.Text(key);
        if (!SettingsReader.IsHoconPath(id))
        {
            raft.Fail(key, id, "must be the HOCON path of an Akka.Persistence plugin, for example \"akka.persistence.journal.raft-sqlite\"");
        }
        else if (config.HasPath(id) && (config.GetValue(id) is not { } plugin || !plugin.IsObject() || string.IsNullOrEmpty(config.GetString($"{id}.class"))))
        {
            // A plugin whose section is not loaded yet (its defaults come with its extension) cannot be checked here.
            raft.Fail(key, id, $"{id} is not an Akka.Persistence plugin: its section has no class");
        }
        return id;
    }

    private static string ReadRole(SettingsReader raft)
    {
        var role = raft.Text("peer-discovery.role");
        if (role.Length == 0 || role.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            raft.Fail("peer-discovery.role", role, "must be an Akka.Cluster role name, one word such as \"raft\"");
        }
        return role;
    }
}
