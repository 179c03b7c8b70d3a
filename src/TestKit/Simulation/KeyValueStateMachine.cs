using System.Text;

namespace RaftActors.TestKit.Simulation;

/// <summary>
/// The service of simulated nodes: commands of the form <c>key=value</c> set a key; any other command is
/// counted but changes no key. A running hash over every applied (index, command) lets tests compare
/// the whole applied history of two nodes in O(1). Snapshots carry the keys and the hash.
/// </summary>
public sealed class KeyValueStateMachine
{
    private readonly SortedDictionary<string, string> _data = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Data => _data;

    /// <summary>Index of the last entry applied (or restored through a snapshot).</summary>
    public ulong AppliedIndex { get; private set; }

    /// <summary>FNV-1a over every applied (index, command): equal hashes mean equal histories.</summary>
    public ulong HistoryHash { get; private set; } = 14695981039346656037UL;

    public long CommandsApplied { get; private set; }

    public void Apply(ulong index, byte[] command)
    {
        if (command.Length > 0)
        {
            var text = Encoding.UTF8.GetString(command);
            var eq = text.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) _data[text[..eq]] = text[(eq + 1)..];
            CommandsApplied++;
            HistoryHash = Mix(Mix(HistoryHash, BitConverter.GetBytes(index)), command);
        }
        AppliedIndex = index;
    }

    /// <summary>Records that a non-command entry (no-op, membership change) was applied.</summary>
    public void Skip(ulong index) => AppliedIndex = index;

    public byte[] Snapshot()
    {
        var sb = new StringBuilder();
        sb.Append(HistoryHash).Append('\n').Append(CommandsApplied).Append('\n');
        foreach (var (k, v) in _data) sb.Append(k).Append('=').Append(v).Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public void Restore(ulong index, byte[] snapshot)
    {
        _data.Clear();
        AppliedIndex = index;
        HistoryHash = 14695981039346656037UL;
        CommandsApplied = 0;
        if (snapshot.Length == 0) return;
        var lines = Encoding.UTF8.GetString(snapshot).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        HistoryHash = ulong.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture);
        CommandsApplied = long.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var line in lines.Skip(2))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            _data[line[..eq]] = line[(eq + 1)..];
        }
    }

    private static ulong Mix(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
