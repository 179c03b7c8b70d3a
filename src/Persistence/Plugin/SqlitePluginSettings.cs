using Akka.Configuration;

namespace RaftActors.Persistence.Plugin;

/// <summary>A plugin section read once and checked, so a bad setting fails plugin start with a clear message.</summary>
internal sealed record SqlitePluginSettings(string Path, OpenCheck Check)
{
    public static SqlitePluginSettings Create(Config config, string pluginName)
    {
        var path = config.GetString("path", "");
        if (string.IsNullOrWhiteSpace(path))
            throw new ConfigurationException($"{pluginName}: 'path' must name the database file");
        string full;
        try
        {
            full = System.IO.Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ConfigurationException($"{pluginName}: 'path' {path} is not a usable file name: {ex.Message}", ex);
        }
        var check = config.GetString("check-on-open", "full") switch
        {
            "off" => OpenCheck.Off,
            "quick" => OpenCheck.Quick,
            "full" => OpenCheck.Full,
            var other => throw new ConfigurationException($"{pluginName}: 'check-on-open' is '{other}'; use quick, full or off"),
        };
        return new SqlitePluginSettings(full, check);
    }
}
