using RaftActors.Core.Quorum;
using RaftActors.Messages;

namespace RaftActors.Core.Tracker;

/// <summary>
/// The membership the leader tracks: voters (possibly joint), learners, and learners-to-be.
/// <see cref="LearnersNext"/> holds voters of the outgoing half that were demoted to learners by the
/// joint change; they become learners when the joint config is left (a node may not be a voter and
/// a learner at once).
/// </summary>
public sealed class TrackerConfig
{
    public JointConfig Voters { get; init; } = new();

    public SortedSet<ulong> Learners { get; init; } = [];

    public SortedSet<ulong> LearnersNext { get; init; } = [];

    public bool AutoLeave { get; set; }

    public TrackerConfig Clone() => new()
    {
        Voters = Voters.Clone(),
        Learners = [.. Learners],
        LearnersNext = [.. LearnersNext],
        AutoLeave = AutoLeave,
    };

    public ConfState ToConfState() => new(Voters.Incoming.Ids, Learners, Voters.Outgoing.Ids, LearnersNext, AutoLeave);

    public override string ToString() => ToConfState().ToString();
}
