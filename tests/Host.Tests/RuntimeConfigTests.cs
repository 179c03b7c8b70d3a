using System.Text.Json;
using RaftActors.Tests.Shared;

namespace RaftActors.Host.Tests;

/// <summary>
/// The runtime settings the host ships in its runtimeconfig.json. Each was chosen by measuring three hosts on two
/// shared cores (Host.csproj says what each bought); their effect shows only in benchmarks, so this guards that
/// they are still what the built host runs with.
/// </summary>
public sealed class RuntimeConfigTests
{
    private static JsonElement ConfigProperties()
    {
        var path = Path.ChangeExtension(HostBinary.Dll, ".runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Fact]
    public void Hot_methods_are_promoted_without_waiting_for_a_quiet_period()
    {
        // Without it a freshly started node's write path stays unoptimized for its first 6-8 s under load.
        Assert.Equal(0, ConfigProperties().GetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs").GetInt32());
    }

    [Fact]
    public void Several_nodes_on_few_cores_get_the_workstation_gc_and_a_thread_pool_that_does_not_spin()
    {
        var properties = ConfigProperties();
        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
