using System.Globalization;
using System.Text;

namespace RaftActors.Host.Configuration;

/// <summary>Writes the host's values as HOCON text, to be read back by RaftSettings like any HOCON file.</summary>
internal static class HostHocon
{
    /// <summary>
    /// The host's own defaults, under the file: the eosc defaults of NodeHostOptions, and Akka.Remote settings fit
    /// for Raft peers (frames large enough for a largest proposal, a short retry gate). See docs/configuration.md.
    /// </summary>
    public static string Defaults()
    {
        var defaults = new NodeHostOptions();
        var host = PeerAddress.TryNormalize(defaults.Host, out var address, out _) ? address : "127.0.0.1:7081";
        return $$"""
            akka.raft {
              node-id = {{Number(defaults.NodeId)}}
              data-dir = {{Quote(defaults.DataDir)}}
              cluster-id = {{Quote(defaults.ClusterId)}}
              tick-interval = {{Number((ulong)defaults.TickMilliseconds)}}ms
              snapshot-every = {{Number(defaults.SnapshotEvery)}}
              keep-entries-after-snapshot = {{Number(defaults.SnapshotEvery)}}
            }
            akka.remote {
              dot-netty.tcp {
                hostname = {{Quote(PeerAddress.HostPart(host))}}
                port = {{host[(host.LastIndexOf(':') + 1)..]}}
                maximum-frame-size = 4MiB
              }
              retry-gate-closed-for = 1s
            }

            """;
    }

    /// <summary>Where Akka.Remote listens, from a normalised <c>host:port</c>.</summary>
    public static string Listen(string address) =>
        $"akka.remote.dot-netty.tcp.hostname = {Quote(PeerAddress.HostPart(address))}\nakka.remote.dot-netty.tcp.port = {address[(address.LastIndexOf(':') + 1)..]}\n";

    /// <summary>
    /// The founding members, replacing whatever peers came before in the same text: HOCON merges two objects
    /// at one path, and <c>null</c> first makes the second one stand alone.
    /// </summary>
    public static string Peers(IReadOnlyDictionary<ulong, string> peers)
    {
        var text = new StringBuilder("akka.raft.peers = null\nakka.raft.peers {\n");
        foreach (var (id, address) in peers.OrderBy(p => p.Key)) text.Append(CultureInfo.InvariantCulture, $"  {id} = {Quote(address)}\n");
        return text.Append("}\n").ToString();
    }

    public static string Setting(string key, string value) => $"akka.raft.{key} = {value}\n";

    public static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Flag(bool value) => value ? "on" : "off";

    /// <summary>A HOCON quoted string (JSON's escapes), so any value reads back as written.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"' or '\\':
                    text.Append('\\').Append(c);
                    break;
                case < ' ' or '$':
                    text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }
}
