using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.TestKit;
using RaftActors.Persistence.Plugin;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>Which of the plugin's two stores a walk damages.</summary>
internal enum DamagedStore
{
    Journal,
    SnapshotStore,
}

/// <summary>What the plugin made of one damaged copy of a store file.</summary>
internal enum DamageOutcome
{
    /// <summary>The store refused to start, with an error naming the file and the record.</summary>
    RefusedAtOpen,

    /// <summary>The store started; recovery failed with an error naming the file and the record.</summary>
    RefusedWhenRead,

    /// <summary>Recovery yielded exactly what the trial expects (the damage hit bytes that hold nothing).</summary>
    Recovered,

    /// <summary>Anything else: wrong data, an error that does not name the file and the record, no answer.</summary>
    Failure,
}

/// <summary>One damaged copy: how to make it from the pristine files, and what recovery may yield from it.</summary>
/// <param name="Kind">"flip", "truncate" or "torn", for the figures.</param>
/// <param name="Position">The byte offset the damage is at, for the failure report.</param>
/// <param name="Damage">Writes the damaged files at the given database path (and its write-ahead log beside it).</param>
/// <param name="Expected">What each persistence id must recover to when recovery succeeds.</param>
/// <param name="MayBeRefused">Whether a refusal is right: a torn last record is what every crash leaves, and must recover.</param>
internal sealed record DamageTrial(
    string Kind,
    long Position,
    Action<string> Damage,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Expected,
    bool MayBeRefused);

/// <summary>
/// Runs <see cref="DamageTrial"/>s through the real plugin in one actor system: each trial gets a plugin id of its own
/// (and so a fresh plugin actor over a fresh file) for the store under test, starts it, recovers every persistence id
/// through a <see cref="TestPersistentActor"/>, and stops the plugin again so its file is closed. A snapshot store walk
/// recovers from snapshots alone (its system's journal is the empty in-memory one), so what recovery yields is exactly
/// the latest snapshot the damaged file still offers.
/// </summary>
internal sealed class StoreDamageWalk : IDisposable
{
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(20);

    private readonly TestKitBase _kit;
    private readonly string _folder;
    private readonly IReadOnlyList<DamageTrial> _trials;
    private readonly ActorSystem _system;
    private readonly DamagedStore _store;

    public StoreDamageWalk(TestKitBase kit, string folder, IReadOnlyList<DamageTrial> trials, DamagedStore store = DamagedStore.Journal)
    {
        _kit = kit;
        _folder = folder;
        _trials = trials;
        _store = store;
        _system = ActorSystem.Create("damage-walk", WalkConfig());
    }

    public string PluginId(int trial) => _store == DamagedStore.Journal
        ? $"akka.persistence.journal.walk-{trial}"
        : $"akka.persistence.snapshot-store.walk-{trial}";

    public string TrialPath(int trial) => Path.Combine(_folder, $"trial-{trial}.db");

    /// <summary>Runs trial <paramref name="index"/>; returns its outcome and, for a failure, why.</summary>
    public (DamageOutcome Outcome, string? Why) Run(int index)
    {
        var trial = _trials[index];
        var path = TrialPath(index);
        trial.Damage(path);
        var errors = _kit.CreateTestProbe(_system);
        _system.EventStream.Subscribe(errors.Ref, typeof(Error));
        try
        {
            var watcher = _kit.CreateTestProbe(_system);
            var persistence = Akka.Persistence.Persistence.Instance.Apply(_system);
            var store = _store == DamagedStore.Journal ? persistence.JournalFor(PluginId(index)) : persistence.SnapshotStoreFor(PluginId(index));
            watcher.Watch(store);
            store.Tell(GetStoreCounts.Instance, watcher.Ref);
            var started = watcher.ExpectMsg<object>(Answer);
            if (started is Terminated)
            {
                var cause = errors.FishForMessage<Error>(e => Find(e.Cause, path) is not null, Answer).Cause;
                return Judge(trial, path, Find(cause, path)!, DamageOutcome.RefusedAtOpen);
            }
            try
            {
                return Recover(trial, index, path);
            }
            finally
            {
                store.Tell(PoisonPill.Instance);
                watcher.ExpectTerminated(store, Answer);
            }
        }
        finally
        {
            _system.EventStream.Unsubscribe(errors.Ref);
            foreach (var file in Directory.GetFiles(_folder, $"trial-{index}.db*")) File.Delete(file);
        }
    }

    private (DamageOutcome, string?) Recover(DamageTrial trial, int index, string path)
    {
        foreach (var (pid, expected) in trial.Expected)
        {
            var probe = _kit.CreateTestProbe(_system);
            _system.ActorOf(_store == DamagedStore.Journal
                ? TestPersistentActor.Props(pid, probe.Ref, journalPluginId: PluginId(index))
                : TestPersistentActor.Props(pid, probe.Ref, snapshotPluginId: PluginId(index)));
            var answer = probe.ExpectMsg<object>(Answer);
            // A snapshot offered is reported before recovery completes (or fails reading the events after it).
            if (answer is SnapshotRestored) answer = probe.ExpectMsg<object>(Answer);
            switch (answer)
            {
                case RecoveryFailed failed:
                    return Find(failed.Reason, path) is { } named
                        ? Judge(trial, path, named, DamageOutcome.RefusedWhenRead)
                        : (DamageOutcome.Failure, $"recovery of '{pid}' failed without naming {path}: {failed.Reason}");
                case Recovered recovered when !recovered.Values.SequenceEqual(expected):
                    return (DamageOutcome.Failure,
                        $"recovery of '{pid}' yielded {Describe(recovered.Values)} instead of {Describe(expected)}");
                case Recovered:
                    break;
                case var other:
                    return (DamageOutcome.Failure, $"recovery of '{pid}' answered {other}");
            }
        }
        return (DamageOutcome.Recovered, null);
    }

    /// <summary>A refusal passes when the trial allows one and its message says which record of which file is bad.</summary>
    private static (DamageOutcome, string?) Judge(DamageTrial trial, string path, SqliteStoreException error, DamageOutcome refusal)
    {
        if (!trial.MayBeRefused) return (DamageOutcome.Failure, $"a torn last record must recover, but: {error.Message}");
        var at = error.Message.IndexOf($" in {path}", StringComparison.Ordinal);
        var record = error is SqliteStoreCorruptedException corrupted ? corrupted.Record : error.Message[..Math.Max(at, 0)];
        return at > 0 && record.Length > 0
            ? (refusal, null)
            : (DamageOutcome.Failure, $"the error does not name the file and the record: {error.Message}");
    }

    /// <summary>The plugin's error about <paramref name="path"/> in an exception chain, as Akka wraps it.</summary>
    private static SqliteStoreException? Find(Exception? error, string path)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is SqliteStoreException store && store.Path == path) return store;
            if (e is AggregateException aggregate)
                return aggregate.InnerExceptions.Select(inner => Find(inner, path)).FirstOrDefault(found => found is not null);
        }
        return null;
    }

    private static string Describe(IReadOnlyList<string> values) =>
        values.Count == 0 ? "nothing" : $"{values.Count} events ({values[0][..Math.Min(12, values[0].Length)]} .. {values[^1][..Math.Min(12, values[^1].Length)]})";

    private Config WalkConfig()
    {
        var pluginClass = _store == DamagedStore.Journal
            ? "RaftActors.Persistence.Plugin.SqliteEventJournal, RaftActors.Persistence"
            : "RaftActors.Persistence.Plugin.SqliteSnapshotStore, RaftActors.Persistence";
        var sections = string.Concat(Enumerable.Range(0, _trials.Count).Select(i => $$"""
            {{PluginId(i)}} {
              class = "{{pluginClass}}"
              plugin-dispatcher = "akka.actor.default-dispatcher"
              # check-on-open is left at its default: the walk proves what a node gets.
              path = "{{TrialPath(i)}}"
            }

            """));
        // The store not under test: a real snapshot store beside a journal walk, the empty in-memory journal beside a
        // snapshot store walk.
        var other = _store == DamagedStore.Journal
            ? $"""
              akka.persistence.snapshot-store.plugin = "{RaftSqlitePersistence.SnapshotStorePluginId}"
              {RaftSqlitePersistence.SnapshotStorePluginId}.path = "{Path.Combine(_folder, "walk-snapshots.db")}"
              """
            : """
              akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
              """;
        return ConfigurationFactory.ParseString(sections + other + $$"""

            # Hundreds of refusals are expected: they are checked through the event stream, not printed.
            akka.loggers = ["RaftActors.Persistence.Tests.Plugin.SilentLogger, RaftActors.Persistence.Tests"]
            akka.loglevel = ERROR
            akka.stdout-loglevel = OFF
            """)
            .WithFallback(PluginUnderTest.Serialization)
            .WithFallback(RaftSqlitePersistence.DefaultConfiguration());
    }

    public void Dispose() => _system.Terminate().Wait(Answer);
}

/// <summary>A logger that drops everything: the walk reads errors from the event stream itself.</summary>
public sealed class SilentLogger : ReceiveActor
{
    public SilentLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        ReceiveAny(_ => { });
    }
}
