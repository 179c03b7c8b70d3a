using System.Globalization;
using Akka.Configuration;

namespace RaftActors.Actors.Configuration;

/// <summary>Rules that tie settings together, within akka.raft and with the Akka.Remote and Akka.Cluster settings beside it.</summary>
public sealed partial class RaftSettings
{
    private static void CheckTogether(RaftSettings s, SettingsReader raft, SettingsReader tcp, Config config)
    {
        if (s.ElectionTicks <= s.HeartbeatTicks && !raft.Failed("election-ticks") && !raft.Failed("heartbeat-ticks"))
        {
            raft.Fail("election-ticks", Show(s.ElectionTicks), $"must be greater than heartbeat-ticks ({Show(s.HeartbeatTicks)})");
        }
        if (s.LeaseBasedReads && !s.CheckQuorum && !raft.Failed("check-quorum"))
        {
            raft.Fail("lease-based-reads", "on", "needs check-quorum = on: a leader's lease is safe only while it knows it still hears a quorum");
        }
        if (s.LeaseBasedReads && s.ElectionTicks - 1 - s.LeaseClockDriftTicks < 1 && !raft.Failed("election-ticks")
            && !raft.Failed("lease-clock-drift-ticks"))
        {
            raft.Fail("lease-clock-drift-ticks", Show(s.LeaseClockDriftTicks),
                $"leaves no lease: a lease lasts election-ticks - 1 - lease-clock-drift-ticks ticks, so it must be below {Show(s.ElectionTicks - 1)}");
        }
        if (s.SnapshotEvery == 0 && s.KeepEntriesAfterSnapshot > 0 && !raft.Failed("snapshot-every") && !raft.Failed("keep-entries-after-snapshot"))
        {
            raft.Fail("snapshot-every", "0", $"never snapshotting cannot keep {Show(s.KeepEntriesAfterSnapshot)} entries after a snapshot: set keep-entries-after-snapshot = 0 too, or snapshot-every to 1 or more");
        }
        CheckFrameSize(s, raft, tcp, config);
        if (s.PeerDiscoveryEnabled) CheckDiscovery(s, raft, config);
    }

    /// <summary>
    /// Akka.Remote drops a frame larger than maximum-frame-size with only a log line, so every payload RaftActors
    /// sends in one frame must fit it. Checked when the Akka.Remote settings are present (an ActorSystem's config).
    /// </summary>
    private static void CheckFrameSize(RaftSettings s, SettingsReader raft, SettingsReader tcp, Config config)
    {
        if (!config.HasPath($"{Tcp}.maximum-frame-size")) return;
        var frame = tcp.Bytes("maximum-frame-size", 32_000, int.MaxValue, long.MaxValue);
        if (frame == long.MaxValue) return;
        var room = frame - PeerFrameEnvelopeBytes;
        var limits = new (string Key, long Bytes, string Fix)[]
        {
            ("max-proposal-bytes", s.MaxProposalBytes, "a proposal this large could never reach the followers"),
            ("max-size-per-message", (long)s.MaxSizePerMessage, "an append message this large would be dropped"),
            ("snapshot-chunk-bytes", s.SnapshotChunkBytes, "a snapshot chunk this large would be dropped"),
        };
        var written = SettingsReader.Show(tcp.Text("maximum-frame-size"));
        foreach (var (key, bytes, why) in limits.Where(l => l.Bytes > room && !raft.Failed(l.Key)))
        {
            raft.Fail(key, SettingsReader.ShowBytes(bytes),
                $"does not fit one peer frame ({Tcp}.maximum-frame-size = {written}, less {SettingsReader.ShowBytes(PeerFrameEnvelopeBytes)} of envelope) and {why}: "
                + $"raise maximum-frame-size on every node to at least {SettingsReader.ShowBytes(bytes + PeerFrameEnvelopeBytes)}, or lower {key}");
        }
    }

    /// <summary>Discovery reads Akka.Cluster members with the role: the cluster provider must run, and this node must carry the role itself.</summary>
    private static void CheckDiscovery(RaftSettings s, SettingsReader raft, Config config)
    {
        if (config.HasPath("akka.actor.provider")
            && !(config.GetString("akka.actor.provider") ?? "").Contains("cluster", StringComparison.OrdinalIgnoreCase))
        {
            raft.Fail("peer-discovery.enabled", "on", $"needs Akka.Cluster: set akka.actor.provider = cluster (it is {SettingsReader.Show(config.GetString("akka.actor.provider") ?? "")})");
        }
        if (config.GetValue("akka.cluster.roles") is { } roles && roles.IsArray()
            && !roles.GetStringList().Contains(s.PeerDiscoveryRole, StringComparer.Ordinal))
        {
            raft.Fail("peer-discovery.role", s.PeerDiscoveryRole,
                $"akka.cluster.roles does not hold it: add \"{s.PeerDiscoveryRole}\" to the roles so the other nodes find this one");
        }
    }

    private static string Show(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Show(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
