using System.Globalization;
using RaftActors.Jepsen.Checker;

namespace RaftActors.Jepsen.Harness;

public enum FaultKind
{
    KillLeader,
    KillRandom,
    PauseLeader,
    PauseRandom,
    IsolateOne,
    IsolateLeader,
    Bridge,
}

/// <summary>One fault as it happened: what, on which nodes, how long it held, how long until writes were accepted again.</summary>
internal sealed record FaultRecord(FaultKind Kind, string Targets, TimeSpan Held, TimeSpan Recovery);

/// <summary>
/// Injects faults one at a time from a seeded schedule: first every kind once (in a seeded order), then
/// kinds drawn at random. Before a fault every node runs and one leader is agreed on; after healing it,
/// the nemesis measures how long until some node accepts a write (probe writes on their own key, which
/// are part of the checked history).
/// </summary>
internal sealed class Nemesis(JepsenCluster cluster, HistoryRecorder recorder, Random random, Action<string> log)
{
    public const string ProbeKey = "probe";
    public static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    private readonly Queue<FaultKind> _firstRound = new();
    private int _probes;

    public List<FaultRecord> Faults { get; } = [];

    public IReadOnlyList<FaultKind> Kinds { get; } = cluster.Firewall is null
        ? [FaultKind.KillLeader, FaultKind.KillRandom, FaultKind.PauseLeader, FaultKind.PauseRandom]
        : Enum.GetValues<FaultKind>();

    public async Task RunAsync(TimeSpan duration, CancellationToken cancel)
    {
        foreach (var kind in Kinds.OrderBy(_ => random.Next())) _firstRound.Enqueue(kind);
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end || _firstRound.Count > 0)
        {
            var kind = _firstRound.Count > 0 ? _firstRound.Dequeue() : Kinds[random.Next(Kinds.Count)];
            await InjectAsync(kind, cancel).ConfigureAwait(false);
            await Task.Delay(random.Next(1000, 3000), cancel).ConfigureAwait(false);
        }
    }

    private async Task InjectAsync(FaultKind kind, CancellationToken cancel)
    {
        for (var i = 0; i < cluster.Size; i++) await cluster.WaitHealthyAsync(i, Settle, cancel).ConfigureAwait(false);
        var leader = await cluster.WaitLeaderAsync(Settle, cancel).ConfigureAwait(false);
        var victim = kind is FaultKind.KillLeader or FaultKind.PauseLeader or FaultKind.IsolateLeader ? leader : random.Next(cluster.Size);
        var hold = TimeSpan.FromMilliseconds(random.Next(2000, 6000));
        string targets;
        Action heal;
        switch (kind)
        {
            case FaultKind.KillLeader or FaultKind.KillRandom:
                cluster.Nodes[victim].Kill();
                targets = Name(victim);
                heal = cluster.Nodes[victim].Start;
                break;
            case FaultKind.PauseLeader or FaultKind.PauseRandom:
                cluster.Nodes[victim].Pause();
                targets = Name(victim);
                heal = cluster.Nodes[victim].Resume;
                break;
            case FaultKind.IsolateOne or FaultKind.IsolateLeader:
                for (var j = 0; j < cluster.Size; j++)
                {
                    if (j != victim) cluster.Firewall!.Cut(victim, j);
                }
                targets = $"{Name(victim)} | rest";
                heal = cluster.Firewall!.HealAll;
                break;
            default:
                // Bridge: the victim is the bridge; every other pair is cut, so each side sees only the bridge.
                var others = Enumerable.Range(0, cluster.Size).Where(j => j != victim).ToList();
                for (var a = 0; a < others.Count; a++)
                {
                    for (var b = a + 1; b < others.Count; b++) cluster.Firewall!.Cut(others[a], others[b]);
                }
                targets = $"{Name(victim)} between the rest";
                heal = cluster.Firewall!.HealAll;
                break;
        }
        log($"nemesis: {Describe(kind)} {targets} (leader was {Name(leader)}) for {hold.TotalSeconds:F1} s");
        var started = recorder.Now;
        if (kind == FaultKind.IsolateLeader) await ExpectNewLeaderAsync(victim, cancel).ConfigureAwait(false);
        if (Since(started) < hold) await Task.Delay(hold - Since(started), cancel).ConfigureAwait(false);
        heal();
        var recovery = await ProbeAsync(cancel).ConfigureAwait(false);
        log($"nemesis: healed; every node accepted a write again after {recovery.TotalSeconds:F1} s");
        Faults.Add(new FaultRecord(kind, targets, hold, recovery));
    }

    /// <summary>
    /// Writes through every node in turn until each has acknowledged one: the time from the heal until the last
    /// node accepts a write is the recovery (a minority fault leaves the rest serving, so "some node accepts" would
    /// say nothing; this includes the healed node's restart, catch-up and reconnection).
    /// </summary>
    private async Task<TimeSpan> ProbeAsync(CancellationToken cancel)
    {
        var healed = recorder.Now;
        for (var node = 0; node < cluster.Size; node++)
        {
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                var value = string.Create(CultureInfo.InvariantCulture, $"probe-{Interlocked.Increment(ref _probes)}");
                var op = await recorder.WriteAsync(-1, node, cluster.Control(node), ProbeKey, value).ConfigureAwait(false);
                if (op.Outcome == Outcome.Ok) break;
                if (Since(healed) > RecoveryBound)
                {
                    throw new TimeoutException($"node {node + 1} accepted no write within {RecoveryBound.TotalSeconds:F0} s of healing\n{cluster.Dump()}");
                }
                await Task.Delay(50, cancel).ConfigureAwait(false);
            }
        }
        return Since(healed);
    }

    /// <summary>
    /// Proof that a partition took effect: the side without the cut-off leader elects another one. A cut that
    /// changed nothing would make every partition run pass vacuously.
    /// </summary>
    private async Task ExpectNewLeaderAsync(int isolated, CancellationToken cancel)
    {
        var others = Enumerable.Range(0, cluster.Size).Where(i => i != isolated).ToList();
        try
        {
            await Poll.UntilAsync(async () =>
            {
                var seen = new HashSet<ulong>();
                foreach (var i in others) seen.Add((await cluster.Control(i).StatusAsync(cancel).ConfigureAwait(false))?.Leader ?? 0);
                return seen.Count == 1 && seen.Single() is var leader && leader != 0 && leader != (ulong)isolated + 1;
            }, Settle, $"the nodes cut off from n{isolated + 1} to elect another leader", cancel).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"the partition had no effect: {ex.Message}\n{cluster.Firewall?.Rules()}", ex);
        }
    }

    private TimeSpan Since(long micros) => TimeSpan.FromTicks((recorder.Now - micros) * 10);

    public static string Describe(FaultKind kind) => kind switch
    {
        FaultKind.KillLeader => "kill-leader",
        FaultKind.KillRandom => "kill",
        FaultKind.PauseLeader => "pause-leader",
        FaultKind.PauseRandom => "pause",
        FaultKind.IsolateOne => "isolate",
        FaultKind.IsolateLeader => "isolate-leader",
        _ => "bridge",
    };

    private static string Name(int node) => $"n{node + 1}";
}
