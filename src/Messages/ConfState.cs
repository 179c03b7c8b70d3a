namespace RaftActors.Messages;

/// <summary>
/// A membership configuration. Outside a joint change only <see cref="Voters"/> and <see cref="Learners"/>
/// are used. During a joint change (§4.3 of the Raft thesis) decisions need a majority of both
/// <see cref="Voters"/> (incoming) and <see cref="VotersOutgoing"/>; <see cref="LearnersNext"/> are voters
/// of the outgoing config that become learners when the joint config is left.
/// All lists are sorted and free of duplicates.
/// </summary>
public sealed class ConfState : IEquatable<ConfState>
{
    public static readonly ConfState Empty = new([], [], [], [], false);

    public ConfState(IEnumerable<ulong> voters, IEnumerable<ulong>? learners = null,
        IEnumerable<ulong>? votersOutgoing = null, IEnumerable<ulong>? learnersNext = null, bool autoLeave = false)
    {
        Voters = Normalize(voters);
        Learners = Normalize(learners);
        VotersOutgoing = Normalize(votersOutgoing);
        LearnersNext = Normalize(learnersNext);
        AutoLeave = autoLeave;
    }

    public IReadOnlyList<ulong> Voters { get; }
    public IReadOnlyList<ulong> Learners { get; }
    public IReadOnlyList<ulong> VotersOutgoing { get; }
    public IReadOnlyList<ulong> LearnersNext { get; }

    /// <summary>Whether the leader leaves the joint config by itself once it is committed.</summary>
    public bool AutoLeave { get; }

    public bool IsJoint => VotersOutgoing.Count > 0;

    private static ulong[] Normalize(IEnumerable<ulong>? ids) =>
        ids is null ? [] : ids.Distinct().Order().ToArray();

    public bool Equals(ConfState? other) => other is not null
        && Voters.SequenceEqual(other.Voters) && Learners.SequenceEqual(other.Learners)
        && VotersOutgoing.SequenceEqual(other.VotersOutgoing) && LearnersNext.SequenceEqual(other.LearnersNext)
        && AutoLeave == other.AutoLeave;

    public override bool Equals(object? obj) => Equals(obj as ConfState);

    public override int GetHashCode() => HashCode.Combine(Voters.Count, Learners.Count, VotersOutgoing.Count, AutoLeave);

    public override string ToString()
    {
        var s = $"voters=({string.Join(' ', Voters)})";
        if (IsJoint) s += $"&&({string.Join(' ', VotersOutgoing)})";
        if (Learners.Count > 0) s += $" learners=({string.Join(' ', Learners)})";
        if (LearnersNext.Count > 0) s += $" learners_next=({string.Join(' ', LearnersNext)})";
        if (AutoLeave) s += " autoleave";
        return s;
    }
}
