using Akka.Actor;

namespace RaftActors.Persistence.Tests.Plugin;

public abstract partial class PersistencePluginContract
{
    private const string CrashWriterPersistenceId = "crash-writer";

    [Fact]
    public async Task Everything_acknowledged_survives_a_system_terminated_mid_write()
    {
        var pid = NewPersistenceId();
        var crashing = StartSecondSystem("crashing");
        long acknowledged;
        try
        {
            var probe = CreateTestProbe(crashing);
            var actor = StartRecovered(pid, probe, crashing);
            for (var batch = 0; batch < 20; batch++)
                actor.Tell(new PersistMany([.. Enumerable.Range(batch * 25 + 1, 25).Select(i => $"v{i}")]));
            acknowledged = Enumerable.Range(0, 100).Select(_ => probe.ExpectMsg<Persisted>().SequenceNr).Max();
        }
        finally
        {
            // No stop, no snapshot, no waiting for the writes still in flight.
            await crashing.Terminate();
        }

        var recovered = Recover(pid, CreateTestProbe());
        AssertContiguousPrefix(recovered.Values, acknowledged, "v");
    }

    [Fact]
    public async Task Everything_acknowledged_survives_a_killed_process()
    {
        var acknowledged = await CrashWriterProcess.RunAndKill(Plugin.Folder.Path, Plugin.PluginHocon, acks: 300);
        // A second kill lands on a recovered store: recovery must leave it writable and sound.
        acknowledged = Math.Max(acknowledged, await CrashWriterProcess.RunAndKill(Plugin.Folder.Path, Plugin.PluginHocon, acks: 100));

        var recovered = Recover(CrashWriterPersistenceId, CreateTestProbe());
        AssertContiguousPrefix(recovered.Values, acknowledged, "event-");
        Assert.True(acknowledged >= 400, $"the writer acknowledged only up to {acknowledged}");
    }

    /// <summary>The values are prefix1, prefix2, ... with no gap, up to at least <paramref name="acknowledged"/>.</summary>
    private static void AssertContiguousPrefix(IReadOnlyList<string> values, long acknowledged, string prefix)
    {
        Assert.True(values.Count >= acknowledged, $"{acknowledged} events were acknowledged but {values.Count} recovered");
        for (var i = 0; i < values.Count; i++) Assert.Equal($"{prefix}{i + 1}", values[i]);
    }
}
