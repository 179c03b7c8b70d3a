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

    private static readonly Dictionary<string, string> Switches = HostSwitches.Mappings();

    /// <returns>The full path of the HOCON file named by <c>--config</c>, or null (no file, or a JSON one).</returns>
    /// <param name="args">The command line, checked by <see cref="HostCommandLine"/> (unknown switches are refused).</param>
    public static string? Apply(IConfigurationManager configuration, string[] args)
    {
        var normalized = HostCommandLine.ConfigurationArgs(args);
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
}
