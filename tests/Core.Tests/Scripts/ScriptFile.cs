using System.Text;

namespace RaftActors.Core.Tests.Scripts;

/// <summary>One step of a script: comment lines above it, the command, and the output expected below <c>----</c>.</summary>
internal sealed record ScriptBlock(IReadOnlyList<string> Comments, string Command, int Line, string Expected);

/// <summary>
/// The etcd datadriven format: blocks of <c>command args</c>, a line <c>----</c>, the expected output,
/// separated by blank lines. Lines starting with <c>#</c> before a command are comments and survive a rewrite.
/// </summary>
internal static class ScriptFile
{
    public const string Separator = "----";

    public static List<ScriptBlock> Parse(string text, string name)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var blocks = new List<ScriptBlock>();
        var i = 0;
        while (i < lines.Length)
        {
            var comments = new List<string>();
            while (i < lines.Length && (lines[i].Length == 0 || lines[i].StartsWith('#')))
            {
                if (lines[i].Length > 0) comments.Add(lines[i]);
                i++;
            }
            if (i >= lines.Length) break;
            var command = lines[i];
            var at = i + 1;
            i++;
            if (i >= lines.Length || lines[i] != Separator)
            {
                throw new FormatException($"{name}:{at}: expected '{Separator}' after '{command}'");
            }
            i++;
            var output = new List<string>();
            while (i < lines.Length && lines[i].Length > 0) output.Add(lines[i++]);
            blocks.Add(new ScriptBlock(comments, command, at, string.Join('\n', output)));
        }
        return blocks;
    }

    public static string Render(IEnumerable<(ScriptBlock Block, string Actual)> results)
    {
        var sb = new StringBuilder();
        var first = true;
        foreach (var (block, actual) in results)
        {
            if (!first) sb.Append('\n');
            first = false;
            foreach (var c in block.Comments) sb.Append(c).Append('\n');
            sb.Append(block.Command).Append('\n').Append(Separator).Append('\n');
            if (actual.Length > 0) sb.Append(actual).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>A line diff (longest common subsequence): <c>-</c> expected only, <c>+</c> actual only.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var x = a.Length - 1; x >= 0; x--)
        {
            for (var y = b.Length - 1; y >= 0; y--)
            {
                lcs[x, y] = a[x] == b[y] ? lcs[x + 1, y + 1] + 1 : Math.Max(lcs[x + 1, y], lcs[x, y + 1]);
            }
        }
        var sb = new StringBuilder();
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            if (i < a.Length && j < b.Length && a[i] == b[j])
            {
                sb.Append("  ").Append(a[i]).Append('\n');
                i++;
                j++;
            }
            else if (j < b.Length && (i == a.Length || lcs[i, j + 1] >= lcs[i + 1, j]))
            {
                sb.Append("+ ").Append(b[j++]).Append('\n');
            }
            else
            {
                sb.Append("- ").Append(a[i++]).Append('\n');
            }
        }
        return sb.ToString();
    }
}
