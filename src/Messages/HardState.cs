namespace RaftActors.Messages;

/// <summary>
/// The part of a node's state that must be durable before it answers anyone:
/// the current term, whom it voted for in that term (0 = nobody), and the highest index known committed.
/// </summary>
public readonly record struct HardState(ulong Term, ulong Vote, ulong Commit)
{
    public static HardState Empty => default;

    public bool IsEmpty => Term == 0 && Vote == 0 && Commit == 0;

    public override string ToString() => $"term={Term} vote={Vote} commit={Commit}";
}
