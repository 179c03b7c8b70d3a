using Microsoft.Extensions.Configuration;

namespace RaftActors.Host.Configuration;

/// <summary>
/// Builds the configuration stack: the <c>--config</c> file, then environment, then the command line. A JSON file
/// joins the stack as it always did; a HOCON file (<c>.conf</c>, <c>.hocon</c>) is read by
/// <see cref="HostRaftConfiguration"/> instead, under the environment and the command line all the same.
/// </summary>
internal static class HostConfiguration
{
    public const string EnvironmentPrefix = "RAFTACTORS_";

    private static readonly string[] Flags = ["--cluster", "--join", "--discard-data", "--exit-on-stdin-close"];

    private static readonly Dictionary<string, string> Switches = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--http-port"] = "Node:HttpPort",
        ["--http-bind"] = "Node:HttpBind",
        ["--http-url"] = "Node:HttpUrl",
        ["--node-id"] = "Node:NodeId",
        ["--host"] = "Node:Host",
        ["--cluster"] = "Node:Cluster",
        ["--peers"] = "Node:Peers",
        ["--keys"] = "Node:Keys",
        ["--join"] = "Node:Join",
        ["--target"] = "Node:Target",
        ["--discard-data"] = "Node:DiscardData",
        ["--data-dir"] = "Node:DataDir",
        ["--cluster-id"] = "Node:ClusterId",
        ["--secret"] = "Node:Secret",
        ["--max-body-bytes"] = "Node:MaxBodyBytes",
        ["--tick-ms"] = "Node:TickMilliseconds",
        ["--snapshot-every"] = "Node:SnapshotEvery",
        ["--exit-on-stdin-close"] = "Node:ExitOnStdinClose",
        ["--log-format"] = "Node:LogFormat",
        ["--config"] = "ConfigFile",
    };

    /// <returns>The full path of the HOCON file named by <c>--config</c>, or null (no file, or a JSON one).</returns>
    public static string? Apply(IConfigurationManager configuration, string[] args)
    {
        var normalized = Normalize(args);
        // The file named on the command line is read first so that the environment and the command line override it.
        var file = new ConfigurationBuilder().AddCommandLine(normalized, Switches).Build()["ConfigFile"];
        string? hocon = null;
        if (!string.IsNullOrWhiteSpace(file))
        {
            if (IsHocon(file)) hocon = Path.GetFullPath(file);
            else configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddCommandLine(normalized, Switches);
        return hocon;
    }

    /// <summary>HOCON by its extension; anything else stays JSON, as <c>--config</c> has always read it.</summary>
    public static bool IsHocon(string file) =>
        Path.GetExtension(file) is var extension
        && (extension.Equals(".conf", StringComparison.OrdinalIgnoreCase) || extension.Equals(".hocon", StringComparison.OrdinalIgnoreCase));

    /// <summary>The switch that sets a key of the Node section (<c>NodeId</c> → <c>--node-id</c>).</summary>
    public static string SwitchFor(string nodeKey) =>
        Switches.FirstOrDefault(s => s.Value == $"{NodeHostOptions.Section}:{nodeKey}").Key ?? $"{NodeHostOptions.Section}:{nodeKey}";

    /// <summary>
    /// eosc's boolean switches stand alone (<c>--cluster --peers ...</c>); the configuration provider wants a
    /// value after every switch, so a lone flag gets "true".
    /// </summary>
    internal static string[] Normalize(string[] args)
    {
        var result = new List<string>(args.Length + 4);
        for (var i = 0; i < args.Length; i++)
        {
            result.Add(args[i]);
            var isFlag = Flags.Contains(args[i], StringComparer.OrdinalIgnoreCase);
            var valueFollows = i + 1 < args.Length && !args[i + 1].StartsWith('-')
                && (bool.TryParse(args[i + 1], out _));
            if (isFlag && !valueFollows) result.Add("true");
        }
        return [.. result];
    }
}
