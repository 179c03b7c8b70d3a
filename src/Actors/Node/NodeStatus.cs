using Akka.Actor;
using RaftActors.Core;

namespace RaftActors.Actors;

/// <summary>What a node reports about itself (the host's <c>/raft/api/status</c>).</summary>
public sealed record NodeStatus
{
    public required ulong NodeId { get; init; }
    public required StateRole Role { get; init; }
    public required ulong Term { get; init; }
    /// <summary>0 when no leader is known.</summary>
    public required ulong Leader { get; init; }
    public required ulong CommitIndex { get; init; }
    public required ulong AppliedIndex { get; init; }
    public required ulong LastIndex { get; init; }
    public required IReadOnlyList<MemberStatus> Members { get; init; }
}

/// <summary>One member as this node sees it. <see cref="MatchIndex"/> is known only on the leader.</summary>
public sealed record MemberStatus(ulong NodeId, string Address, bool IsVoter, ulong? MatchIndex, bool? Reachable);
