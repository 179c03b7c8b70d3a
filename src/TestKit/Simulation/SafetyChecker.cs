using RaftActors.Core;
using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.TestKit.Simulation;

/// <summary>A Raft safety property (Figure 3 of the paper) was broken.</summary>
public sealed class SafetyViolationException(string message) : Exception(message);

/// <summary>
/// Watches a simulated cluster and throws as soon as a safety property breaks:
/// Election Safety (one leader per term), State Machine Safety (one entry per committed or applied index),
/// Leader Completeness (a leader holds every entry committed before its term), commit indexes never
/// decrease, and — on demand — Log Matching across all nodes.
/// </summary>
public sealed class SafetyChecker
{
    private readonly Dictionary<ulong, ulong> _leaderOfTerm = [];
    private readonly Dictionary<ulong, (ulong Term, byte[] Data)> _committed = [];
    private readonly Dictionary<ulong, ulong> _commitOf = [];
    private readonly Dictionary<ulong, ulong> _checkedCommitOf = [];
    private readonly HashSet<(ulong Node, ulong Term)> _completenessChecked = [];

    public long Checks { get; private set; }

    public int LeadersElected => _leaderOfTerm.Count;

    public IReadOnlyDictionary<ulong, ulong> LeaderOfTerm => _leaderOfTerm;

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
    }

    internal void OnRestart(SimulatedNode node) => _checkedCommitOf.Remove(node.Id);

    internal void OnApply(SimulatedNode node, Entry entry, int seed)
    {
        Checks++;
        Record(entry.Index, entry.Term, entry.Data, $"node {node.Id} applied", seed);
    }

    private void Record(ulong index, ulong term, byte[] data, string who, int seed)
    {
        if (_committed.TryGetValue(index, out var known))
        {
            if (known.Term != term || !known.Data.AsSpan().SequenceEqual(data))
            {
                throw new SafetyViolationException(
                    $"seed {seed}: state machine safety: {who} entry {term}/{index} but {known.Term}/{index} was committed there");
            }
            return;
        }
        _committed[index] = (term, data);
    }

    internal void AfterReady(SimulatedNode node, SimulatedCluster cluster)
    {
        var raft = node.Raft;
        // Every entry up to the commit index is committed: record it (and compare with what others committed).
        var from = Math.Max(_checkedCommitOf.GetValueOrDefault(node.Id), node.Storage.FirstIndex() - 1) + 1;
        for (var i = from; i <= raft.CommitIndex; i++)
        {
            var e = node.Storage.Entries(i, i + 1, ulong.MaxValue)[0];
            Record(e.Index, e.Term, e.Data, $"node {node.Id} committed", cluster.Seed);
        }
        _checkedCommitOf[node.Id] = Math.Max(raft.CommitIndex, _checkedCommitOf.GetValueOrDefault(node.Id));
        if (raft.Role == StateRole.Leader && _completenessChecked.Add((node.Id, raft.Term))) CheckLeaderCompleteness(node, cluster.Seed);
    }

    private void CheckLeaderCompleteness(SimulatedNode leader, int seed)
    {
        Checks++;
        var first = leader.Storage.FirstIndex();
        var last = leader.Storage.LastIndex();
        foreach (var (index, (term, _)) in _committed)
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
    /// Log Matching: if two logs hold an entry with the same index and term, the logs are identical up to
    /// that index. Checked pairwise over what both still hold (compacted prefixes are committed and were
    /// checked when they were applied).
    /// </summary>
    public void CheckLogMatching(SimulatedCluster cluster)
    {
        var nodes = cluster.Nodes.Values.ToArray();
        for (var a = 0; a < nodes.Length; a++)
        {
            for (var b = a + 1; b < nodes.Length; b++) CheckPair(nodes[a], nodes[b], cluster.Seed);
        }
    }

    private void CheckPair(SimulatedNode x, SimulatedNode y, int seed)
    {
        Checks++;
        var lo = Math.Max(x.Storage.FirstIndex(), y.Storage.FirstIndex());
        var hi = Math.Min(x.Storage.LastIndex(), y.Storage.LastIndex());
        var matched = false;
        for (var i = hi; i >= lo && i > 0; i--)
        {
            var tx = TermAt(x.Storage, i);
            var ty = TermAt(y.Storage, i);
            if (tx == ty && !matched) matched = true;
            if (matched && tx != ty)
            {
                throw new SafetyViolationException($"seed {seed}: log matching: nodes {x.Id} and {y.Id} agree above index {i} but differ at it ({tx} vs {ty})");
            }
        }
    }

    private static ulong TermAt(MemoryStorage storage, ulong index) => storage.Term(index);
}
