using System.Text;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Safety;

/// <summary>
/// Linearizability, lite, of ReadIndex reads. When a read is requested, every index committed anywhere
/// so far (a superset of every index applied anywhere) must be visible to it: its confirmed read index
/// must be at least that. And a read index can only name a committed index: at most the highest commit
/// index in the cluster once it is confirmed.
/// </summary>
internal sealed class ReadIndexChecker(SimulatedCluster cluster)
{
    private readonly Dictionary<string, ulong> _floorOf = [];
    private readonly Dictionary<ulong, int> _seen = [];
    private int _next;

    public long Confirmed { get; private set; }

    public string Request(SimulatedNode node)
    {
        var context = $"read-{_next++}";
        // Between steps every Ready has been handled, so live commit indexes are persisted too.
        var floor = Math.Max(cluster.Safety.HighestCommitIndex, cluster.Nodes.Values.Where(n => n.IsUp).Max(n => n.Raft.CommitIndex));
        _floorOf[context] = floor;
        return $"read {context} at {node.Id} (floor {floor}): {cluster.ReadIndex(node.Id, context)}";
    }

    /// <summary>A restarted node starts with an empty list of read states.</summary>
    public void OnRestart(ulong id) => _seen[id] = 0;

    public void CheckConfirmedReads()
    {
        var ceiling = Math.Max(cluster.Safety.HighestCommitIndex, cluster.Nodes.Values.Where(n => n.IsUp).Select(n => n.Raft.CommitIndex).DefaultIfEmpty().Max());
        foreach (var node in cluster.Nodes.Values)
        {
            if (!node.IsUp) continue;
            var seen = _seen.GetValueOrDefault(node.Id);
            for (var i = seen; i < node.ReadStates.Count; i++)
            {
                var read = node.ReadStates[i];
                var context = Encoding.UTF8.GetString(read.RequestContext);
                if (!_floorOf.TryGetValue(context, out var floor))
                {
                    throw new SafetyViolationException($"read index: node {node.Id} confirmed a read '{context}' nobody requested");
                }
                if (read.Index < floor)
                {
                    throw new SafetyViolationException(
                        $"read index: {context} confirmed at node {node.Id} with index {read.Index}, but index {floor} was committed before it was requested");
                }
                if (read.Index > ceiling)
                {
                    throw new SafetyViolationException(
                        $"read index: {context} confirmed at node {node.Id} with index {read.Index} above every commit index ({ceiling})");
                }
                Confirmed++;
            }
            _seen[node.Id] = node.ReadStates.Count;
        }
    }
}
