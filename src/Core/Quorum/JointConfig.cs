namespace RaftActors.Core.Quorum;

/// <summary>
/// Two majority configs that must both agree (joint consensus, Raft thesis §4.3). Outside a joint
/// change <see cref="Outgoing"/> is empty and, being neutral, leaves every decision to <see cref="Incoming"/>.
/// </summary>
public sealed class JointConfig(MajorityConfig incoming, MajorityConfig outgoing)
{
    public JointConfig() : this(new MajorityConfig(), new MajorityConfig()) { }

    public MajorityConfig Incoming { get; } = incoming;

    public MajorityConfig Outgoing { get; } = outgoing;

    public bool IsJoint => Outgoing.Count > 0;

    public JointConfig Clone() => new(Incoming.Clone(), Outgoing.Clone());

    public bool Contains(ulong id) => Incoming.Contains(id) || Outgoing.Contains(id);

    /// <summary>Every voter of either half, sorted.</summary>
    public IReadOnlyList<ulong> AllIds() => Incoming.Ids.Union(Outgoing.Ids).Order().ToArray();

    /// <summary>Committed in a joint config means committed in both halves: the smaller of the two.</summary>
    public ulong CommittedIndex(Func<ulong, ulong?> acked) =>
        Math.Min(Incoming.CommittedIndex(acked), Outgoing.CommittedIndex(acked));

    /// <summary>Won only when both halves win; lost as soon as either loses.</summary>
    public VoteResult Vote(IReadOnlyDictionary<ulong, bool> votes)
    {
        var a = Incoming.Vote(votes);
        var b = Outgoing.Vote(votes);
        if (a == b) return a;
        return a == VoteResult.Lost || b == VoteResult.Lost ? VoteResult.Lost : VoteResult.Pending;
    }

    public override string ToString() => IsJoint ? $"{Incoming}&&{Outgoing}" : Incoming.ToString();
}
