using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Safety;

internal sealed partial class ChaosRun
{
    private static readonly double[] DropRates = [0, 0, 0.01, 0.05, 0.1, 0.2];
    private static readonly double[] DuplicateRates = [0, 0, 0.02, 0.05, 0.1];
    private static readonly int[] Delays = [0, 0, 1, 2, 3, 5];

    /// <summary>
    /// Crashes a node, but never so many that a voter majority of the current configuration is down
    /// (in a joint configuration, of either half): the run must be able to make progress, and a node
    /// that is not a voter may always crash.
    /// </summary>
    private string Crash()
    {
        var node = RandomUpNode();
        if (node is null) return "crash: every node is down";
        var conf = CurrentConfig();
        if (!KeepsMajority(conf.Voters, node.Id) || !KeepsMajority(conf.VotersOutgoing, node.Id))
        {
            return $"crash {node.Id}: refused, a majority of {conf} must stay up";
        }
        _cluster.Crash(node.Id);
        FaultActions++;
        return $"crash {node.Id}";
    }

    private bool KeepsMajority(IReadOnlyList<ulong> voters, ulong crashing)
    {
        if (voters.Count == 0 || !voters.Contains(crashing)) return true;
        var upAfter = voters.Count(v => v != crashing && _cluster.Nodes.TryGetValue(v, out var n) && n.IsUp);
        return upAfter >= voters.Count / 2 + 1;
    }

    /// <summary>The configuration of the leader, or of the most advanced live node when there is none.</summary>
    private Messages.ConfState CurrentConfig()
    {
        if (_cluster.Leader() is { } leader) return _cluster[leader].Raft.ConfState;
        var best = _cluster.Nodes.Values.Where(n => n.IsUp).MaxBy(n => (n.Raft.Term, n.Raft.CommitIndex));
        return best?.Raft.ConfState ?? Messages.ConfState.Empty;
    }

    private string Restart()
    {
        var down = _cluster.Nodes.Values.Where(n => !n.IsUp).ToArray();
        if (down.Length == 0) return "restart: nothing is down";
        var node = down[_random.Next(down.Length)];
        RestartNode(node.Id);
        return $"restart {node.Id}";
    }

    private string InjectNetworkFault()
    {
        var ids = _cluster.Nodes.Keys.ToArray();
        var a = ids[_random.Next(ids.Length)];
        var b = ids[_random.Next(ids.Length)];
        var network = _cluster.Network;
        switch (_random.Next(9))
        {
            case 0:
                _cluster.Isolate(a);
                FaultActions++;
                return $"isolate {a}";
            case 1:
                if (a == b) return "cut: same node";
                network.Cut(a, b);
                FaultActions++;
                return $"cut {a} <-> {b}";
            case 2:
                if (a == b) return "one-way cut: same node";
                network.CutOneWay(a, b);
                FaultActions++;
                return $"cut {a} -> {b}";
            case 3:
                return SplitInHalves(ids);
            case 4:
                network.Drop(a, b, DropRates[_random.Next(DropRates.Length)] * 3);
                FaultActions++;
                return $"lossy link {a} -> {b}";
            case 5:
                network.DropRate = DropRates[_random.Next(DropRates.Length)];
                network.DuplicateRate = DuplicateRates[_random.Next(DuplicateRates.Length)];
                network.MaxDelayTicks = Delays[_random.Next(Delays.Length)];
                FaultActions++;
                return $"network drop {network.DropRate} duplicate {network.DuplicateRate} delay {network.MaxDelayTicks}";
            default:
                _cluster.Heal();
                return "heal partitions";
        }
    }

    private string SplitInHalves(ulong[] ids)
    {
        var shuffled = ids.OrderBy(_ => _random.Next()).ToArray();
        var half = shuffled.Length / 2;
        var left = shuffled[..half];
        var right = shuffled[half..];
        _cluster.Partition(left, right);
        FaultActions++;
        return $"split ({string.Join(' ', left)}) | ({string.Join(' ', right)})";
    }
}
