using RaftActors.Core;
using RaftActors.Messages;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Safety;

/// <summary>
/// One seed of the randomized safety test: a simulated cluster driven by random client actions, faults
/// and membership changes, with every safety invariant checked after every step, then healed and
/// required to converge. Everything derives from the seed: the cluster's own random source decides the
/// network's fate and the election jitter, a second one seeded alike decides the actions.
/// </summary>
internal sealed partial class ChaosRun
{
    /// <summary>Ticks the healed cluster gets to elect a leader, leave a joint config and catch everyone up.</summary>
    private const int ConvergenceBound = 3000;

    private readonly Random _random;
    private readonly SimulatedCluster _cluster;
    private readonly ReadIndexChecker _reads;
    private readonly Queue<string> _recent = new();
    private int _proposals;

    public ChaosRun(int seed)
    {
        _random = new Random(unchecked(seed * 7919 + 17));
        Options = new SimulatedClusterOptions
        {
            SnapshotEvery = (ulong)_random.Next(3, 25),
            KeepEntriesAfterSnapshot = (ulong)_random.Next(0, 6),
            PreVote = _random.Next(4) != 0,
            MaxInflightMsgs = _random.Next(1, 9),
            MaxSizePerMsg = _random.Next(2) == 0 ? 64UL : 1024UL * 1024,
            MaxUncommittedEntriesSize = _random.Next(3) == 0 ? 2048UL : 0,
            DisableProposalForwarding = _random.Next(5) == 0,
            // Joiners replay the log from index 1, so the founding membership must be in it.
            BootstrapInLog = true,
        };
        _cluster = new SimulatedCluster(seed, Options);
        var size = _random.Next(2) == 0 ? 3 : 5;
        _cluster.AddNodes(size);
        _nextId = (ulong)size + 1;
        _reads = new ReadIndexChecker(_cluster);
    }

    public SimulatedClusterOptions Options { get; }

    /// <summary>Fault actions taken (crash, partition, rate change, ...); messages lost or duplicated are counted apart.</summary>
    public long FaultActions { get; private set; }

    public long MessagesDropped => _cluster.Network.Dropped;

    public long MessagesDuplicated => _cluster.Network.Duplicated;

    /// <summary>When set, receives every action and role change (single-seed runs).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Runs <paramref name="steps"/> random steps, then heals and awaits convergence. Throws on any violation.</summary>
    public void Run(int steps)
    {
        _cluster.Trace = Log is null ? null : line => Log($"t{_cluster.Now}   {line}");
        for (var step = 0; step < steps; step++)
        {
            var action = Act();
            Note($"step {step}: {action}");
            _cluster.Tick();
            CheckInvariants();
            SnapshotForJoiners();
        }
        HealAndConverge();
    }

    /// <summary>The last actions taken, for a failure report.</summary>
    public string RecentActions() => string.Join(Environment.NewLine, _recent);

    public string Describe() => string.Join(Environment.NewLine, _cluster.Nodes.Values.Select(n => n.IsUp
        ? $"  {n.Id}: {n.Raft.Role} term {n.Raft.Term} leader {n.Raft.Leader} commit {n.Raft.CommitIndex} applied {n.Raft.AppliedIndex} "
          + $"last {n.Raft.LastIndex} first {n.Storage.FirstIndex()} {n.Raft.ConfState}"
        : $"  {n.Id}: down, persisted commit {n.Storage.HardState.Commit} last {n.Storage.LastIndex()}"));

    private void Note(string what)
    {
        Log?.Invoke($"t{_cluster.Now} {what}");
        _recent.Enqueue($"t{_cluster.Now} {what}");
        if (_recent.Count > 30) _recent.Dequeue();
    }

    private void CheckInvariants()
    {
        // Election safety, state machine safety, leader completeness and monotonic commit are checked by
        // SafetyChecker inside every Ready cycle; log matching and reads are checked here, after every step.
        _cluster.Safety.CheckLogMatching(_cluster);
        _reads.CheckConfirmedReads();
    }

    private string Act()
    {
        var roll = _random.Next(100);
        return roll switch
        {
            < 40 => Propose(),
            < 48 => Read(),
            < 52 => Crash(),
            < 58 => Restart(),
            < 77 => InjectNetworkFault(),
            < 82 => TransferLeadership(),
            < 88 => ChangeMembership(),
            _ => "tick",
        };
    }

    private string Propose()
    {
        var node = RandomUpNode();
        if (node is null) return "propose: every node is down";
        var n = _proposals++;
        var result = _cluster.Propose(node.Id, $"k{n % 13}=v{n}");
        return $"propose k{n % 13}=v{n} at {node.Id}: {result}";
    }

    private string Read()
    {
        var node = RandomUpNode();
        return node is null ? "read: every node is down" : _reads.Request(node);
    }

    private string TransferLeadership()
    {
        if (_cluster.Leader() is not { } leader) return "transfer: no leader";
        var voters = _cluster[leader].Raft.ConfState.Voters;
        var to = voters[_random.Next(voters.Count)];
        // Sometimes ask a follower: it forwards the request to the leader.
        var via = _random.Next(3) == 0 ? RandomUpNode()?.Id ?? leader : leader;
        return $"transfer leadership {leader} -> {to} via {via}: {_cluster.TransferLeader(via, to)}";
    }

    private SimulatedNode? RandomUpNode()
    {
        var up = _cluster.Nodes.Values.Where(n => n.IsUp).ToArray();
        return up.Length == 0 ? null : up[_random.Next(up.Length)];
    }

    /// <summary>
    /// Heals every fault, restarts every crashed node (sometimes the whole cluster, from disk only), and
    /// runs until every member of the leader's configuration has applied the leader's whole log with the
    /// same history, and every entry applied anywhere during the run reached every member.
    /// </summary>
    private void HealAndConverge()
    {
        Note("heal everything");
        _cluster.Heal();
        _cluster.Network.DropRate = 0;
        _cluster.Network.DuplicateRate = 0;
        _cluster.Network.MaxDelayTicks = 0;
        if (_random.Next(2) == 0)
        {
            Note("cold restart of every node");
            foreach (var node in _cluster.Nodes.Values.Where(n => n.IsUp).ToArray()) _cluster.Crash(node.Id);
        }
        foreach (var node in _cluster.Nodes.Values.Where(n => !n.IsUp).ToArray()) RestartNode(node.Id);
        if (!_cluster.RunUntil(() => { CheckInvariants(); SnapshotForJoiners(); return Converged(); }, ConvergenceBound))
        {
            throw new SafetyViolationException($"liveness: the healed cluster did not converge within {ConvergenceBound} ticks");
        }
        var leader = _cluster[_cluster.Leader()!.Value];
        var members = leader.Raft.ConfState.Voters.Concat(leader.Raft.ConfState.Learners).ToArray();
        _cluster.Safety.CheckLogMatching(_cluster);
        _cluster.Safety.CheckAppliedEverywhere(_cluster, members);
    }

    /// <summary>
    /// What a runtime must do for a member that needs a snapshot the stored one cannot serve: the stored
    /// snapshot predates the change that added the member, so the member refuses it (it is not in its
    /// configuration) and would wait for the next periodic snapshot, forever if no more entries come.
    /// etcd's server sends a snapshot of its current state instead; here the leader takes one now.
    /// </summary>
    private void SnapshotForJoiners()
    {
        if (_cluster.Leader() is not { } id) return;
        var leader = _cluster[id];
        var stored = leader.Storage.Snapshot().Metadata;
        var applied = leader.Raft.AppliedIndex;
        if (applied <= stored.Index || leader.Service.AppliedIndex != applied) return;
        var known = stored.ConfState.Voters.Concat(stored.ConfState.Learners).Concat(stored.ConfState.VotersOutgoing).ToHashSet();
        var conf = leader.Raft.ConfState;
        var stuck = conf.Voters.Concat(conf.Learners).Concat(conf.VotersOutgoing).Any(peer => !known.Contains(peer)
            && leader.Raft.ProgressOf(peer) is { } pr && pr.Match + 1 < leader.Storage.FirstIndex());
        if (!stuck) return;
        Note($"leader {id} takes a snapshot at {applied} for a joiner the stored one (at {stored.Index}) does not name");
        leader.Storage.CreateSnapshot(applied, leader.AppliedConfState, leader.Service.Snapshot());
    }

    private bool Converged()
    {
        if (_cluster.Leader() is not { } id) return false;
        var leader = _cluster[id].Raft;
        var conf = leader.ConfState;
        if (conf.IsJoint || leader.CommitIndex != leader.LastIndex) return false;
        var hash = _cluster[id].Service.HistoryHash;
        return conf.Voters.Concat(conf.Learners).All(m => _cluster[m] is { IsUp: true } n
            && n.Raft.AppliedIndex == leader.LastIndex && n.Service.HistoryHash == hash);
    }

    private void RestartNode(ulong id)
    {
        _cluster.Restart(id);
        _reads.OnRestart(id);
    }
}
