using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// Network partitions between the nodes on loopback, with nftables. Every connection is marked, when it is
/// opened, with the id of the node whose user opened it (chain <c>marks</c>, one rule per node, added as nodes
/// join); cutting the link a–b drops both directions of every connection a opened to b's peer port and of every
/// one b opened to a's (chain <c>cuts</c>, each rule with a counter, so a cut that dropped nothing shows). Only
/// loopback traffic of the nodes' own users is marked, so nothing else on the machine is touched. The table is
/// removed on dispose.
/// </summary>
internal sealed partial class LoopbackFirewall : IDisposable
{
    public const string Table = "raftactors_jepsen";
    private const int MarkBase = 0x52410000;

    private LoopbackFirewall()
    {
    }

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

    /// <summary>Installs the marking rules of the founding nodes; must happen before they open their connections.</summary>
    public static LoopbackFirewall Install(IReadOnlyList<(int Id, int Uid)> nodes)
    {
        Shell.Run("nft", "delete", "table", "inet", Table);
        var script = new StringBuilder();
        script.AppendLine(CultureInfo.InvariantCulture, $"table inet {Table} {{");
        script.AppendLine("  chain marks {");
        foreach (var (id, uid) in nodes) script.AppendLine(CultureInfo.InvariantCulture, $"    {MarkRule(id, uid)}");
        script.AppendLine("  }");
        script.AppendLine("  chain cuts {");
        script.AppendLine("  }");
        script.AppendLine("  chain output {");
        script.AppendLine("    type filter hook output priority 0; policy accept;");
        script.AppendLine("    oifname \"lo\" jump marks");
        script.AppendLine("    oifname \"lo\" jump cuts");
        script.AppendLine("  }");
        script.AppendLine("}");
        Shell.CheckInput("nft", script.ToString(), "-f", "-");
        return new LoopbackFirewall();
    }

    /// <summary>Marks the connections of a node added later (before it starts).</summary>
    public void Register(int id, int uid) => Shell.CheckInput("nft", $"add rule inet {Table} marks {MarkRule(id, uid)}\n", "-f", "-");

    private static string MarkRule(int id, int uid) =>
        string.Create(CultureInfo.InvariantCulture, $"ct state new meta skuid {uid} ct mark set {Mark(id)}");

    private static string Mark(int id) => (MarkBase + id).ToString(CultureInfo.InvariantCulture);

    /// <summary>Cuts the link between nodes <paramref name="a"/> and <paramref name="b"/>, both ways.</summary>
    public void Cut(ClusterNode a, ClusterNode b)
    {
        Drop(a, b);
        Drop(b, a);
    }

    private static void Drop(ClusterNode opener, ClusterNode target) =>
        Shell.Check("nft", "add", "rule", "inet", Table, "cuts", "meta", "l4proto", "tcp", "ct", "mark", Mark(opener.Id),
            "ct", "original", "proto-dst", target.PeerPort.ToString(CultureInfo.InvariantCulture), "counter", "drop");

    /// <summary>Packets the current cuts have dropped so far: proof that a partition took effect.</summary>
    public long Dropped() =>
        CounterPattern().Matches(Shell.Check("nft", "list", "chain", "inet", Table, "cuts"))
            .Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    public void HealAll() => Shell.Check("nft", "flush", "chain", "inet", Table, "cuts");

    public string Rules() => Shell.Run("nft", "list", "table", "inet", Table).Output;

    public void Dispose() => Shell.Run("nft", "delete", "table", "inet", Table);

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex CounterPattern();
}
