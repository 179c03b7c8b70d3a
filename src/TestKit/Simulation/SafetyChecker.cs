using RaftActors.Core;
using RaftActors.Messages;

namespace RaftActors.TestKit.Simulation;

/// <summary>A Raft safety property (Figure 3 of the paper) was broken.</summary>
public sealed class SafetyViolationException(string message) : Exception(message);

/// <summary>
/// Watches a simulated cluster and throws as soon as a safety property breaks:
/// Election Safety (one leader per term), State Machine Safety (one entry per committed or applied index),
/// Leader Completeness (a leader holds every entry committed before its term), commit indexes never
/// decrease, and — on demand — Log Matching across all nodes (equal terms at an index mean equal entries and
/// equal prefixes) and that every entry applied anywhere reached every member (<see cref="CheckAppliedEverywhere"/>).
/// </summary>
public sealed class SafetyChecker
{
    private readonly Dictionary<ulong, ulong> _leaderOfTerm = [];
    private readonly Dictionary<ulong, (ulong Term, EntryType Type, byte[] Data)> _committed = [];
    private readonly Dictionary<ulong, ulong> _commitOf = [];
    private readonly Dictionary<ulong, ulong> _checkedCommitOf = [];
    private readonly HashSet<(ulong Node, ulong Term)> _completenessChecked = [];

    public long Checks { get; private set; }

    public int LeadersElected => _leaderOfTerm.Count;

    public IReadOnlyDictionary<ulong, ulong> LeaderOfTerm => _leaderOfTerm;

    /// <summary>The highest commit index any node has persisted: every index up to it is committed.</summary>
    public ulong HighestCommitIndex { get; private set; }

    internal void OnRole(SimulatedNode node, SoftState soft, ulong term)
    {
        if (soft.Role != StateRole.Leader) return;
        Checks++;
        if (_leaderOfTerm.TryGetValue(term, out var other) && other != node.Id)
        {
            throw new SafetyViolationException($"election safety: nodes {other} and {node.Id} both lead term {term}");
        }
        _leaderOfTerm[term] = node.Id;
    }

    internal void OnCommit(SimulatedNode node, ulong commit)
    {
        Checks++;
        if (_commitOf.TryGetValue(node.Id, out var before) && commit < before)
        {
            throw new SafetyViolationException($"node {node.Id}: commit index went back from {before} to {commit}");
        }
        _commitOf[node.Id] = commit;
        HighestCommitIndex = Math.Max(HighestCommitIndex, commit);
    }

    internal void OnRestart(SimulatedNode node) => _checkedCommitOf.Remove(node.Id);

    internal void OnApply(SimulatedNode node, Entry entry, int seed)
    {
        Checks++;
        Record(entry, $"node {node.Id} applied", seed);
    }

    private void Record(Entry entry, string who, int seed)
    {
        if (_committed.TryGetValue(entry.Index, out var known))
        {
            if (known.Term != entry.Term || known.Type != entry.Type || !known.Data.AsSpan().SequenceEqual(entry.Data))
            {
                throw new SafetyViolationException(
                    $"seed {seed}: state machine safety: {who} entry {entry.Term}/{entry.Index} but a different {known.Term}/{entry.Index} was committed there");
            }
            return;
        }
        _committed[entry.Index] = (entry.Term, entry.Type, entry.Data);
    }

    internal void AfterReady(SimulatedNode node, SimulatedCluster cluster)
    {
        var raft = node.Raft;
        // Every entry up to the commit index is committed: record it (and compare with what others committed).
        var from = Math.Max(_checkedCommitOf.GetValueOrDefault(node.Id), node.Storage.FirstIndex() - 1) + 1;
        for (var i = from; i <= raft.CommitIndex; i++)
        {
            Record(node.Storage.Entries(i, i + 1, ulong.MaxValue)[0], $"node {node.Id} committed", cluster.Seed);
        }
        _checkedCommitOf[node.Id] = Math.Max(raft.CommitIndex, _checkedCommitOf.GetValueOrDefault(node.Id));
        if (raft.Role == StateRole.Leader && _completenessChecked.Add((node.Id, raft.Term))) CheckLeaderCompleteness(node, cluster.Seed);
    }

    private void CheckLeaderCompleteness(SimulatedNode leader, int seed)
    {
        Checks++;
        var first = leader.Storage.FirstIndex();
        var last = leader.Storage.LastIndex();
        foreach (var (index, (term, _, _)) in _committed)
        {
            if (index < first) continue;
            if (index > last)
            {
                throw new SafetyViolationException($"seed {seed}: leader completeness: leader {leader.Id} of term {leader.Raft.Term} lacks committed entry {term}/{index}");
            }
            var have = leader.Storage.Term(index);
            if (have != term)
            {
                throw new SafetyViolationException($"seed {seed}: leader completeness: leader {leader.Id} has {have}/{index} where {term}/{index} was committed");
            }
        }
    }

    /// <summary>
    /// Log Matching: if two logs hold an entry with the same index and term, the entries are identical
    /// (type and data) and so are the logs up to that index. Checked pairwise over what both still hold
    /// (compacted prefixes are committed and were checked when they were applied).
    /// </summary>
    public void CheckLogMatching(SimulatedCluster cluster)
    {
        var logs = cluster.Nodes.Values.Select(n => (n.Id, First: n.Storage.FirstIndex(), Entries: n.LogEntries())).ToArray();
        for (var a = 0; a < logs.Length; a++)
        {
            for (var b = a + 1; b < logs.Length; b++) CheckPair(logs[a], logs[b], cluster.Seed);
        }
    }

    private void CheckPair((ulong Id, ulong First, IReadOnlyList<Entry> Entries) x, (ulong Id, ulong First, IReadOnlyList<Entry> Entries) y, int seed)
    {
        Checks++;
        var lo = Math.Max(x.First, y.First);
        var hi = Math.Min(x.First + (ulong)x.Entries.Count, y.First + (ulong)y.Entries.Count);
        var matched = false;
        for (var i = hi; i > lo;)
        {
            i--;
            var ex = x.Entries[(int)(i - x.First)];
            var ey = y.Entries[(int)(i - y.First)];
            if (ex.Term == ey.Term)
            {
                matched = true;
                if (ex.Type != ey.Type || !ex.Data.AsSpan().SequenceEqual(ey.Data))
                {
                    throw new SafetyViolationException($"seed {seed}: log matching: nodes {x.Id} and {y.Id} hold different entries {ex.Term}/{i}");
                }
            }
            else if (matched)
            {
                throw new SafetyViolationException($"seed {seed}: log matching: nodes {x.Id} and {y.Id} agree above index {i} but differ at it ({ex.Term} vs {ey.Term})");
            }
        }
    }

    /// <summary>
    /// After healing: every entry seen committed or applied anywhere (an acknowledged proposal) was applied by
    /// every member in <paramref name="members"/>, which all applied the same history. When the recorded entries
    /// are contiguous, each member's history hash must equal the hash of replaying them.
    /// </summary>
    public void CheckAppliedEverywhere(SimulatedCluster cluster, IReadOnlyCollection<ulong> members)
    {
        Checks++;
        var highest = _committed.Count == 0 ? 0 : _committed.Keys.Max();
        var expected = ReplayHash(highest);
        foreach (var id in members)
        {
            var node = cluster[id];
            if (!node.IsUp) throw new SafetyViolationException($"seed {cluster.Seed}: member {id} is down after healing");
            if (node.Service.AppliedIndex < highest)
            {
                throw new SafetyViolationException($"seed {cluster.Seed}: node {id} applied up to {node.Service.AppliedIndex} but index {highest} was applied elsewhere");
            }
            if (expected is { } hash && node.Service.AppliedIndex == highest && node.Service.HistoryHash != hash)
            {
                throw new SafetyViolationException($"seed {cluster.Seed}: node {id} applied a history that differs from the entries committed up to {highest}");
            }
        }
    }

    /// <summary>The history hash of applying the recorded entries 1..<paramref name="upTo"/>; null when one is unknown.</summary>
    private ulong? ReplayHash(ulong upTo)
    {
        var replay = new KeyValueStateMachine();
        for (var i = 1UL; i <= upTo; i++)
        {
            if (!_committed.TryGetValue(i, out var e)) return null;
            if (e.Type == EntryType.Normal) replay.Apply(i, e.Data);
            else replay.Skip(i);
        }
        return replay.HistoryHash;
    }
}
