using Microsoft.Extensions.Configuration;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// The host reloads no configuration file on change: a reloading file source watches the content root, the working
/// directory where the node's data folder usually is, and every journal write would wake the watcher.
/// </summary>
public sealed class ConfigurationWatchTests
{
    [Fact]
    public async Task No_configuration_file_of_the_host_is_watched_for_changes()
    {
        using var dir = new TempDir();
        var json = Path.Combine(dir.Path, "extra.json");
        await File.WriteAllTextAsync(json, "{}");
        await using var host = InProcessHost.Build(dir.Sub("data"), "watch", "--config", json);
        var root = (IConfigurationRoot)host.App.Configuration;
        var files = root.Providers.OfType<FileConfigurationProvider>().ToList();
        // appsettings.json, its environment variant and the --config file.
        Assert.True(files.Count >= 3, $"{files.Count} file sources");
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, $"{f.Source.Path} is reloaded on change"));
    }
}
