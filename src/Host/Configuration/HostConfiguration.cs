using Microsoft.Extensions.Configuration;

namespace RaftActors.Host.Configuration;

/// <summary>Builds the configuration stack: JSON file, then environment, then the command line.</summary>
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

    public static void Apply(IConfigurationManager configuration, string[] args)
    {
        var normalized = Normalize(args);
        // The file named on the command line is read first so that the environment and the command line override it.
        var file = new ConfigurationBuilder().AddCommandLine(normalized, Switches).Build()["ConfigFile"];
        if (!string.IsNullOrWhiteSpace(file))
        {
            configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddCommandLine(normalized, Switches);
    }

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
