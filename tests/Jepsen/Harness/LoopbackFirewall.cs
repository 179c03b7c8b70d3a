using System.Globalization;
using System.Text;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// Network partitions between the nodes on loopback, with nftables. Every connection is marked, when it is
/// opened, with the node whose user opened it; cutting the link i–j drops both directions of every
/// connection i opened to j's peer port and of every one j opened to i's. Only loopback traffic of the
/// nodes' own users is marked, so nothing else on the machine is touched. The table is removed on dispose.
/// </summary>
internal sealed class LoopbackFirewall : IDisposable
{
    public const string Table = "raftactors_jepsen";
    private const int MarkBase = 0x52410000;

    private readonly IReadOnlyList<(int Uid, int PeerPort)> _nodes;

    private LoopbackFirewall(IReadOnlyList<(int Uid, int PeerPort)> nodes) => _nodes = nodes;

    /// <summary>Why partitions cannot run here, or null when they can (root, nft and setpriv present).</summary>
    public static string? Unavailable()
    {
        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal)) return "not root";
        foreach (var tool in new[] { "nft", "setpriv", "useradd" })
        {
            if (!Shell.Exists(tool) && !File.Exists($"/usr/sbin/{tool}") && !File.Exists($"/sbin/{tool}")) return $"{tool} is not installed";
        }
        var (code, output) = Shell.Run("nft", "list", "ruleset");
        return code == 0 ? null : $"nft does not work here: {output.Trim()}";
    }

    /// <summary>Installs the marking rules; must happen before the nodes open their connections.</summary>
    public static LoopbackFirewall Install(IReadOnlyList<(int Uid, int PeerPort)> nodes)
    {
        Shell.Run("nft", "delete", "table", "inet", Table);
        var script = new StringBuilder();
        script.AppendLine(CultureInfo.InvariantCulture, $"table inet {Table} {{");
        script.AppendLine("  chain cuts {");
        script.AppendLine("  }");
        script.AppendLine("  chain output {");
        script.AppendLine("    type filter hook output priority 0; policy accept;");
        for (var i = 0; i < nodes.Count; i++)
        {
            script.AppendLine(CultureInfo.InvariantCulture, $"    oifname \"lo\" ct state new meta skuid {nodes[i].Uid} ct mark set {Mark(i)}");
        }
        script.AppendLine("    oifname \"lo\" jump cuts");
        script.AppendLine("  }");
        script.AppendLine("}");
        Shell.CheckInput("nft", script.ToString(), "-f", "-");
        return new LoopbackFirewall(nodes);
    }

    private static string Mark(int node) => (MarkBase + node + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>Cuts the link between nodes <paramref name="a"/> and <paramref name="b"/> (indexes), both ways.</summary>
    public void Cut(int a, int b)
    {
        Drop(a, b);
        Drop(b, a);
    }

    private void Drop(int opener, int target) =>
        Shell.Check("nft", "add", "rule", "inet", Table, "cuts", "meta", "l4proto", "tcp", "ct", "mark", Mark(opener),
            "ct", "original", "proto-dst", _nodes[target].PeerPort.ToString(CultureInfo.InvariantCulture), "drop");

    public void HealAll() => Shell.Check("nft", "flush", "chain", "inet", Table, "cuts");

    public string Rules() => Shell.Run("nft", "list", "table", "inet", Table).Output;

    public void Dispose() => Shell.Run("nft", "delete", "table", "inet", Table);
}
