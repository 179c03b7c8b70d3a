using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Options;

namespace RaftActors.Host.Configuration;

/// <summary>
/// The host's command line (System.CommandLine): the node itself is the root command, <c>demo</c> a subcommand;
/// <c>--help</c>/<c>-h</c> and <c>--version</c> answer without starting anything; an unknown option exits with 2 and
/// names the closest known one. Values are not converted here: the switches given are handed, as text, to the
/// configuration stack (under which the environment and the --config file sit), whose binder and validator check
/// them the same way whatever their source.
/// </summary>
internal sealed class HostCommandLine
{
    public const int UsageError = 2;

    private readonly RootCommand _root;
    private readonly List<(HostSwitch Switch, Option Option)> _switches = [];
    private readonly Option<string> _demoDataDir = new("--data-dir")
    {
        Description = "Folder of the demo's data and logs (wiped at start).",
        HelpName = "dir",
        DefaultValueFactory = _ => Path.Combine("data", "demo"),
    };
    private readonly Option<int> _demoNodes = new("--nodes")
    {
        Description = "How many nodes to start (1 to 7).",
        HelpName = "count",
        DefaultValueFactory = _ => 3,
    };

    // Response files (@file) are off: a secret or a path may start with '@'.
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    private HostCommandLine(Func<CancellationToken, Task<int>>? runNode, Func<string, int, CancellationToken, Task<int>>? runDemo)
    {
        _root = new RootCommand(
            "RaftActors node host. Without a command it runs one node: standalone, founding a cluster (--cluster --peers --keys) " +
            "or joining one (--join --target). Every option can also be set by an environment variable " +
            $"({HostConfiguration.EnvironmentPrefix}Node__HttpPort, ...) or in a --config file; the command line wins.");
        foreach (var s in HostSwitches.All)
        {
            Option option = s.IsFlag
                // The help leaves out a flag's default (false): it is written out so that every option shows one.
                ? new Option<bool>(s.Name) { Description = $"{s.Description} [default: {s.Default}]" }
                : new Option<string>(s.Name)
                {
                    Description = s.Description,
                    HelpName = s.HelpName,
                    DefaultValueFactory = s.Default is null ? null : _ => s.Default,
                    // A switch given twice takes its last value, as the configuration's command line always did
                    // (scripts append overrides); still one value per switch: "--http-port 1 2" is an error.
                    Arity = ArgumentArity.OneOrMore,
                    AllowMultipleArgumentsPerToken = false,
                    CustomParser = result => result.Tokens[^1].Value,
                };
            _switches.Add((s, option));
            _root.Options.Add(option);
        }
        var demo = new Command("demo", "Start a local cluster of nodes on free loopback ports, for a first look; Ctrl+C stops it.")
        {
            _demoDataDir,
            _demoNodes,
        };
        _root.Subcommands.Add(demo);
        // Without an action the parser calls the command line incomplete; only parsing is wanted then.
        if (runNode is not null) _root.SetAction((_, cancellationToken) => runNode(cancellationToken));
        else _root.SetAction(_ => 0);
        if (runDemo is not null)
        {
            demo.SetAction((parse, cancellationToken) => runDemo(parse.GetValue(_demoDataDir)!, parse.GetValue(_demoNodes), cancellationToken));
        }
    }

    /// <summary>
    /// Parses and runs: help, version, the demo or the node. Parse errors print with a suggestion and return
    /// <see cref="UsageError"/>; nothing has started by then.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, Func<CancellationToken, Task<int>> runNode,
        Func<string, int, CancellationToken, Task<int>> runDemo, TextWriter output, TextWriter error)
    {
        var commandLine = new HostCommandLine(runNode, runDemo);
        var parse = commandLine._root.Parse(args, Parsing);
        if (parse.Errors.Count > 0)
        {
            await error.WriteLineAsync(Describe(parse)).ConfigureAwait(false);
            return UsageError;
        }
        var invocation = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // The node's host handles SIGTERM and Ctrl+C itself (a graceful stop of up to 20 s); so does the demo.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        return await parse.InvokeAsync(invocation).ConfigureAwait(false);
    }

    /// <summary>
    /// The node's switches as the configuration's command-line provider reads them: only those given, each as
    /// <c>--name value</c> (a lone flag as <c>true</c>).
    /// </summary>
    /// <exception cref="OptionsValidationException">The command line does not parse: each failure says what to fix.</exception>
    public static string[] ConfigurationArgs(string[] args)
    {
        var commandLine = new HostCommandLine(null, null);
        var parse = commandLine._root.Parse(args, Parsing);
        if (parse.Errors.Count > 0 || parse.CommandResult.Command != commandLine._root)
        {
            var failure = parse.Errors.Count > 0 ? Describe(parse) : "the node's options do not go with a subcommand";
            throw new OptionsValidationException(NodeHostOptions.Section, typeof(NodeHostOptions), [failure]);
        }
        var result = new List<string>();
        foreach (var (s, option) in commandLine._switches)
        {
            if (parse.GetResult(option) is not { Implicit: false }) continue;
            var value = option is Option<bool> flag
                ? (parse.GetValue(flag) ? "true" : "false")
                : parse.GetValue((Option<string>)option) ?? "";
            result.Add(s.Name);
            result.Add(value);
        }
        return [.. result];
    }

    /// <summary>The parser's errors, and for every unknown option the closest one the command knows.</summary>
    private static string Describe(ParseResult parse)
    {
        var lines = parse.Errors.Select(e => e.Message).ToList();
        var known = parse.CommandResult.Command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)).ToList();
        foreach (var token in parse.UnmatchedTokens.Where(t => t.StartsWith('-') && t.Length > 1))
        {
            var name = token.Split('=', ':')[0];
            if (Closest(name, known) is { } closest) lines.Add($"Unknown option {name}: did you mean {closest}?");
        }
        lines.Add("Run with --help to see every option.");
        return string.Join(Environment.NewLine, lines);
    }

    internal static string? Closest(string name, IEnumerable<string> known) =>
        known.OrderBy(k => Distance(name, k)).ThenBy(k => k, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>Levenshtein distance, case-insensitive.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
