namespace RaftActors.Core.Quorum;

/// <summary>The outcome of counting votes: still open, won by a quorum, or impossible to win.</summary>
public enum VoteResult
{
    Pending,
    Lost,
    Won,
}
