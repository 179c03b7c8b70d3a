using System.Globalization;
using System.Text;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scripts;

/// <summary>
/// Runs scenario scripts against a <see cref="SimulatedCluster"/>: one small handler per command (see
/// ScriptRunner.Commands.cs). A command's output is what its handler prints, preceded by the cluster's
/// trace lines (role changes, crashes) and, with <c>log-messages on</c>, every message put on the network,
/// all in the order they happened.
/// </summary>
internal sealed partial class ScriptRunner
{
    private readonly Dictionary<string, Action<ScriptArgs>> _handlers;
    private readonly StringBuilder _out = new();
    private SimulatedCluster? _cluster;
    private bool _logMessages;

    public ScriptRunner()
    {
        _handlers = new Dictionary<string, Action<ScriptArgs>>(StringComparer.Ordinal)
        {
            ["add-nodes"] = AddNodes,
            ["campaign"] = Campaign,
            ["propose"] = Propose,
            ["propose-conf-change"] = ProposeConfChange,
            ["tick"] = Tick,
            ["stabilize"] = _ => Cluster.Stabilize(),
            ["partition"] = Partition,
            ["isolate"] = a => Cluster.Isolate(a.Id(0)),
            ["heal"] = _ => Cluster.Heal(),
            ["crash"] = a => Cluster.Crash(a.Id(0)),
            ["restart"] = a => Cluster.Restart(a.Id(0)),
            ["transfer-leader"] = TransferLeader,
            ["read-index"] = ReadIndex,
            ["read-states"] = ReadStates,
            ["raft-state"] = _ => RaftState(),
            ["raft-log"] = RaftLog,
            ["status"] = Status,
            ["kv"] = Kv,
            ["log-messages"] = a => _logMessages = a.Positional(0) == "on",
        };
    }

    private SimulatedCluster Cluster => _cluster ?? throw new InvalidOperationException("no cluster yet: start with add-nodes");

    /// <summary>Runs one command line and returns its output ("ok" when it printed nothing).</summary>
    public string Run(string commandLine)
    {
        _out.Clear();
        var args = ScriptArgs.Parse(commandLine);
        if (!_handlers.TryGetValue(args.Command, out var handler)) throw new InvalidOperationException($"unknown command '{args.Command}'");
        try
        {
            handler(args);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // Refusals of the harness (node down, no such node) are part of the story, not test failures.
            Print($"error: {ex.Message}");
        }
        var text = _out.ToString().TrimEnd('\n');
        return text.Length == 0 ? "ok" : text;
    }

    private void Print(string line) => _out.Append(line).Append('\n');

    private void Attach(SimulatedCluster cluster)
    {
        _cluster = cluster;
        cluster.Trace = Print;
        cluster.OnMessageSent = m =>
        {
            if (_logMessages) Print($"  {m}");
        };
    }
}

/// <summary>A parsed command line: the command, positional arguments and <c>key=value</c> options.</summary>
internal sealed class ScriptArgs
{
    private ScriptArgs(string command, List<string> positional, Dictionary<string, string> options)
    {
        Command = command;
        PositionalArgs = positional;
        Options = options;
    }

    public string Command { get; }

    public IReadOnlyList<string> PositionalArgs { get; }

    public IReadOnlyDictionary<string, string> Options { get; }

    public static ScriptArgs Parse(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var positional = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in parts.Skip(1))
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            // Data such as "x=1" is positional for propose; only known option names are options.
            if (eq > 0 && KnownOptions.Contains(p[..eq])) options[p[..eq]] = p[(eq + 1)..];
            else positional.Add(p);
        }
        return new ScriptArgs(parts[0], positional, options);
    }

    private static readonly HashSet<string> KnownOptions =
    [
        "prevote", "checkquorum", "snapshot-every", "keep", "election", "heartbeat", "seed", "read-only", "transition", "bootstrap-in-log",
    ];

    public string Positional(int i) => i < PositionalArgs.Count ? PositionalArgs[i] : throw new ArgumentException($"{Command}: argument {i + 1} is missing");

    public ulong Id(int i) => ulong.Parse(Positional(i), CultureInfo.InvariantCulture);

    public int Int(int i) => int.Parse(Positional(i), CultureInfo.InvariantCulture);

    public bool Bool(string name, bool fallback) => Options.TryGetValue(name, out var v) ? bool.Parse(v) : fallback;

    public int Int(string name, int fallback) => Options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string Text(string name, string fallback) => Options.TryGetValue(name, out var v) ? v : fallback;
}
