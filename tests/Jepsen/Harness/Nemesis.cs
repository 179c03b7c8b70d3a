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
    MajoritiesRing,
    ReplaceNode,
    CorruptJournal,
}

/// <summary>One fault as it happened: what, on which nodes, how long it held, how long until writes were accepted again.</summary>
internal sealed record FaultRecord(FaultKind Kind, string Targets, TimeSpan Held, TimeSpan Recovery);

/// <summary>
/// Injects faults one at a time from a seeded schedule: first every kind once (in a seeded order), then
/// kinds drawn at random. Before a fault every member runs and one leader is agreed on; after healing it,
/// the nemesis measures how long until every member accepts a write (probe writes on their own key, which
/// are part of the checked history). Each fault is checked to have taken effect, so one that silently did
/// nothing fails the run rather than making it pass vacuously.
/// </summary>
internal sealed class Nemesis(JepsenCluster cluster, HistoryRecorder recorder, Random random, Action<string> log)
{
    public const string ProbeKey = "probe";
    public const string JournalKey = "journal";
    public static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RefusalDeadline = TimeSpan.FromSeconds(60);

    private readonly Queue<FaultKind> _firstRound = new();
    private readonly MembershipChanges _membership = new(cluster, random, log);
    private int _probes;
    private int _markers;

    public List<FaultRecord> Faults { get; } = [];

    /// <summary>What went wrong in the product while a fault ran (a node that started on a damaged journal): each fails the run.</summary>
    public List<string> Problems { get; } = [];

    public IReadOnlyList<FaultKind> Kinds { get; } = AvailableKinds(cluster);

    private static IReadOnlyList<FaultKind> AvailableKinds(JepsenCluster cluster)
    {
        List<FaultKind> kinds = [FaultKind.KillLeader, FaultKind.KillRandom, FaultKind.PauseLeader, FaultKind.PauseRandom];
        if (cluster.Firewall is not null)
        {
            kinds.AddRange([FaultKind.IsolateOne, FaultKind.IsolateLeader, FaultKind.Bridge]);
            // With fewer than 5 nodes a ring of majorities is everyone seeing everyone, or a plain partition.
            if (cluster.Size >= 5) kinds.Add(FaultKind.MajoritiesRing);
        }
        kinds.AddRange([FaultKind.ReplaceNode, FaultKind.CorruptJournal]);
        return kinds;
    }

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
        await cluster.WaitAllHealthyAsync(Settle, cancel).ConfigureAwait(false);
        var leader = await cluster.WaitLeaderAsync(Settle, cancel).ConfigureAwait(false);
        var members = cluster.Members;
        var victim = kind is FaultKind.KillLeader or FaultKind.PauseLeader or FaultKind.IsolateLeader ? leader : members[random.Next(members.Count)];
        var hold = TimeSpan.FromMilliseconds(random.Next(2000, 6000));
        var firewall = cluster.Firewall;
        string targets;
        Action heal = () => { };
        switch (kind)
        {
            case FaultKind.KillLeader or FaultKind.KillRandom:
                victim.Process.Kill();
                targets = victim.Name;
                heal = victim.Process.Start;
                break;
            case FaultKind.PauseLeader or FaultKind.PauseRandom:
                victim.Process.Pause();
                targets = victim.Name;
                heal = victim.Process.Resume;
                break;
            case FaultKind.IsolateOne or FaultKind.IsolateLeader:
                foreach (var other in members.Where(n => n != victim)) firewall!.Cut(victim, other);
                targets = $"{victim.Name} | rest";
                heal = firewall!.HealAll;
                break;
            case FaultKind.Bridge:
                // The victim is the bridge; every other pair is cut, so each side sees only the bridge.
                var others = members.Where(n => n != victim).ToList();
                for (var a = 0; a < others.Count; a++)
                {
                    for (var b = a + 1; b < others.Count; b++) firewall!.Cut(others[a], others[b]);
                }
                targets = $"{victim.Name} between the rest";
                heal = firewall!.HealAll;
                break;
            case FaultKind.MajoritiesRing:
                targets = MajoritiesRing(members, firewall!);
                heal = firewall!.HealAll;
                break;
            default:
                // Membership changes and journal damage: the "fault" is the whole change, held as long as it takes.
                hold = TimeSpan.Zero;
                targets = victim.Name;
                break;
        }
        log($"nemesis: {Describe(kind)} {targets} (leader was {leader.Name}){(hold > TimeSpan.Zero ? $" for {hold.TotalSeconds:F1} s" : "")}");
        var started = recorder.Now;
        if (kind == FaultKind.IsolateLeader) await ExpectNewLeaderAsync(victim, cancel).ConfigureAwait(false);
        if (kind == FaultKind.ReplaceNode) targets = await ReplaceAsync(victim, cancel).ConfigureAwait(false);
        if (kind == FaultKind.CorruptJournal) targets = await CorruptJournalAsync(victim, cancel).ConfigureAwait(false);
        if (Since(started) < hold) await Task.Delay(hold - Since(started), cancel).ConfigureAwait(false);
        if (kind == FaultKind.MajoritiesRing) ExpectDrops(firewall!);
        heal();
        var held = Since(started);
        var recovery = await ProbeAsync(cancel).ConfigureAwait(false);
        log($"nemesis: healed; every member accepted a write again after {recovery.TotalSeconds:F1} s");
        Faults.Add(new FaultRecord(kind, targets, held, recovery));
    }

    /// <summary>The members in a seeded ring order, cut into the majorities-ring shape (<see cref="PartitionShapes.MajoritiesRing"/>).</summary>
    private string MajoritiesRing(IReadOnlyList<ClusterNode> members, LoopbackFirewall firewall)
    {
        var ring = members.OrderBy(_ => random.Next()).ToList();
        foreach (var (a, b) in PartitionShapes.MajoritiesRing(ring.Count)) firewall.Cut(ring[a], ring[b]);
        return $"ring {string.Join('-', ring.Select(r => r.Name))} (each sees {2 * PartitionShapes.Reach(ring.Count)} neighbours)";
    }

    /// <summary>deleteNode of the victim (which may be the leader), checked gone, wiped; then addNode of a new id, joined and checked a voter.</summary>
    private async Task<string> ReplaceAsync(ClusterNode victim, CancellationToken cancel)
    {
        await _membership.RemoveAsync(victim, cancel).ConfigureAwait(false);
        var added = await _membership.AddAsync(cancel).ConfigureAwait(false);
        return $"{victim.Name} -> {added.Name}";
    }

    /// <summary>
    /// Writes a marker through the victim, waits until the victim has applied it, stops it cleanly and flips a byte
    /// of the marker in its journal file. The node must refuse to start (exit with an error code, naming the file)
    /// while the rest keeps serving (the probe after this fault); then it is removed, wiped and replaced by a new id.
    /// </summary>
    private async Task<string> CorruptJournalAsync(ClusterNode victim, CancellationToken cancel)
    {
        var marker = await WriteMarkerAsync(victim, cancel).ConfigureAwait(false);
        if (!victim.Process.Stop(TimeSpan.FromSeconds(30))) Problems.Add($"{victim.Name} did not stop within 30 s of its standard input closing");
        var position = JournalDamage.FlipInside(victim.JournalFile, marker);
        log($"nemesis: flipped a bit at offset {position} of {victim.JournalFile} (inside the entry of {JournalKey}={marker}); restarting {victim.Name}");
        victim.Process.Start();
        if (!victim.Process.WaitForExit(RefusalDeadline))
        {
            Problems.Add($"{victim.Name} was still running {RefusalDeadline.TotalSeconds:F0} s after starting on a journal with a flipped byte at offset {position} of {victim.JournalFile}");
            victim.Process.Kill();
        }
        else if (victim.Process.ExitCode == 0 || !victim.Process.Tail().Contains(victim.JournalFile, StringComparison.Ordinal))
        {
            Problems.Add($"{victim.Name} on a journal with a flipped byte at offset {position} exited with {victim.Process.ExitStatus} "
                + $"{(victim.Process.Tail().Contains(victim.JournalFile, StringComparison.Ordinal) ? "" : $"without naming {victim.JournalFile}")}:\n{victim.Process.Tail()}");
        }
        else
        {
            log($"nemesis: {victim.Name} refused to start ({victim.Process.ExitStatus}): {RefusalLine(victim)}");
        }
        var replacement = await ReplaceAsync(victim, cancel).ConfigureAwait(false);
        return $"{victim.Name} (offset {position}; refused: {victim.Process.ExitStatus}), replaced {replacement}";
    }

    private static string RefusalLine(ClusterNode node) =>
        node.Process.Tail().Split('\n').LastOrDefault(l => l.Contains(node.JournalFile, StringComparison.Ordinal))?.Trim() ?? "";

    /// <summary>An acknowledged write of a fresh marker through the node, then a stale read there until the node itself has applied it.</summary>
    private async Task<string> WriteMarkerAsync(ClusterNode node, CancellationToken cancel)
    {
        string marker = "";
        await Poll.UntilAsync(async () =>
        {
            marker = string.Create(CultureInfo.InvariantCulture, $"journal-marker-{Interlocked.Increment(ref _markers):D4}-{random.NextInt64():x16}");
            return (await recorder.WriteAsync(-3, node.Id, node.Control, JournalKey, marker).ConfigureAwait(false)).Outcome == Outcome.Ok;
        }, Settle, $"a marker write through {node.Name}", cancel).ConfigureAwait(false);
        await Poll.UntilAsync(async () => (await node.Control.GetAsync(JournalKey, cancel, stale: true).ConfigureAwait(false)).Value == marker,
            Settle, $"{node.Name} to apply {JournalKey}={marker}", cancel).ConfigureAwait(false);
        return marker;
    }

    /// <summary>
    /// Writes through every member in turn until each has acknowledged one: the time from the heal until the last
    /// member accepts a write is the recovery (a minority fault leaves the rest serving, so "some node accepts" would
    /// say nothing; this includes the healed node's restart, catch-up and reconnection).
    /// </summary>
    private async Task<TimeSpan> ProbeAsync(CancellationToken cancel)
    {
        var healed = recorder.Now;
        foreach (var node in cluster.Members)
        {
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                var value = string.Create(CultureInfo.InvariantCulture, $"probe-{Interlocked.Increment(ref _probes)}");
                var op = await recorder.WriteAsync(-1, node.Id, node.Control, ProbeKey, value).ConfigureAwait(false);
                if (op.Outcome == Outcome.Ok) break;
                if (Since(healed) > RecoveryBound)
                {
                    throw new TimeoutException($"{node.Name} accepted no write within {RecoveryBound.TotalSeconds:F0} s of healing\n{cluster.Dump()}");
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
    private async Task ExpectNewLeaderAsync(ClusterNode isolated, CancellationToken cancel)
    {
        var others = cluster.Members.Where(n => n != isolated).ToList();
        try
        {
            await Poll.UntilAsync(async () =>
            {
                var seen = new HashSet<ulong>();
                foreach (var node in others) seen.Add((await node.Control.StatusAsync(cancel).ConfigureAwait(false))?.Leader ?? 0);
                return seen.Count == 1 && seen.Single() is var leader && leader != 0 && leader != (ulong)isolated.Id;
            }, Settle, $"the nodes cut off from {isolated.Name} to elect another leader", cancel).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"the partition had no effect: {ex.Message}\n{cluster.Firewall?.Rules()}", ex);
        }
    }

    /// <summary>Proof that a partition shape with no single expected leader change took effect: its cuts dropped packets (the leader's heartbeats at least).</summary>
    private static void ExpectDrops(LoopbackFirewall firewall)
    {
        if (firewall.Dropped() == 0) throw new InvalidOperationException($"the partition had no effect: its cuts dropped no packet\n{firewall.Rules()}");
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
        FaultKind.Bridge => "bridge",
        FaultKind.MajoritiesRing => "majorities-ring",
        FaultKind.ReplaceNode => "replace-node",
        _ => "corrupt-journal",
    };
}
