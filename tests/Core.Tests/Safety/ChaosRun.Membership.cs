using RaftActors.Messages;

namespace RaftActors.Core.Tests.Safety;

internal sealed partial class ChaosRun
{
    private const int MaxVoters = 5;
    private const int MinVoters = 3;
    private const int MaxLearners = 2;

    /// <summary>Ids are never reused: a node removed once stays a stranger with its old log.</summary>
    private ulong _nextId;

    /// <summary>
    /// Proposes a random membership change at the leader (sometimes at a follower, which forwards it):
    /// add a learner, promote one, add or remove a voter, or a joint change of two members at once. New
    /// nodes start empty and are caught up by the leader. The core may refuse (a change is pending).
    /// </summary>
    private string ChangeMembership()
    {
        if (_cluster.Leader() is not { } leader) return "membership: no leader";
        var conf = _cluster[leader].Raft.ConfState;
        if (conf.IsJoint) return "membership: joint configuration pending";
        var voters = conf.Voters;
        var learners = conf.Learners;
        ConfChange change;
        switch (_random.Next(6))
        {
            case 0 when learners.Count < MaxLearners:
                change = ConfChange.AddLearner(NewNode());
                break;
            case 1 when learners.Count > 0 && voters.Count < MaxVoters:
                change = ConfChange.AddVoter(learners[_random.Next(learners.Count)]);
                break;
            case 2 when voters.Count < MaxVoters:
                change = ConfChange.AddVoter(NewNode());
                break;
            case 3 when voters.Count > MinVoters:
                change = ConfChange.Remove(voters[_random.Next(voters.Count)]);
                break;
            case 4 when learners.Count > 0:
                change = ConfChange.Remove(learners[_random.Next(learners.Count)]);
                break;
            case 5:
                // Replace a voter: one joint change, left automatically.
                var incoming = learners.Count > 0 && _random.Next(2) == 0 ? learners[0] : NewNode();
                var outgoing = voters[_random.Next(voters.Count)];
                change = new ConfChange(
                    [new(ConfChangeType.AddVoter, incoming), new(ConfChangeType.RemoveNode, outgoing)],
                    _random.Next(2) == 0 ? ConfChangeTransition.Auto : ConfChangeTransition.JointImplicit);
                break;
            default:
                return $"membership: nothing to change in {conf}";
        }
        var via = _random.Next(4) == 0 ? RandomUpNode()?.Id ?? leader : leader;
        return $"membership {change} at {via}: {_cluster.ProposeConfChange(via, change)}";
    }

    private ulong NewNode()
    {
        var id = _nextId++;
        _cluster.AddNode(id);
        return id;
    }
}
