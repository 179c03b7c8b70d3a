using RaftActors.Actors.Configuration;

namespace RaftActors.Host.Configuration;

/// <summary>
/// What the console host needs beyond what RaftSettings allows, checked for values from the HOCON file (a
/// switch's value is checked by <see cref="NodeHostOptionsValidator"/> with the switch's name).
/// </summary>
internal static class HostRules
{
    public static void Check(RaftSettings s, HashSet<string> given, List<string> errors)
    {
        if (!given.Contains(nameof(NodeHostOptions.Host)))
        {
            if (s.ListenAddress.EndsWith(":0", StringComparison.Ordinal))
            {
                errors.Add("akka.remote.dot-netty.tcp.port = 0: the console host needs a fixed peer port, from 1 to 65535 (or --host)");
            }
            if (s.AdvertisedAddress is { } advertised && !string.Equals(advertised, s.ListenAddress, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"akka.raft.advertised-address (or akka.remote.dot-netty.tcp.public-hostname) = {advertised}: the console host is reached where it listens, {s.ListenAddress}; leave them out");
            }
        }
        var tick = s.TickInterval.TotalMilliseconds;
        if (!given.Contains(nameof(NodeHostOptions.TickMilliseconds)) && (tick % 1 != 0 || tick is < 10 or > 10_000))
        {
            errors.Add($"akka.raft.tick-interval = {tick}ms: the console host ticks in whole milliseconds from 10ms to 10000ms");
        }
        if (!given.Contains(nameof(NodeHostOptions.SnapshotEvery)) && s.SnapshotEvery == 0)
        {
            errors.Add("akka.raft.snapshot-every = 0: the console host always takes snapshots: use 1 or more");
        }
        if (s.Join && s.Peers.Count > 0 && !given.Contains(nameof(NodeHostOptions.Peers)))
        {
            errors.Add("akka.raft.join = on with akka.raft.peers: a joining console host learns its peers from --target; remove peers from the file");
        }
    }
}
