using Akka.Actor;
using RaftActors.Core;

namespace RaftActors.Actors;

/// <summary>Something that happened to a node, for monitoring and for the host's logs and metrics.</summary>
public abstract record RaftEvent(ulong NodeId);

public sealed record RoleChanged(ulong NodeId, StateRole Role, ulong Term) : RaftEvent(NodeId);

/// <summary><see cref="Leader"/> is 0 when no leader is known.</summary>
public sealed record LeaderChanged(ulong NodeId, ulong Leader, ulong Term) : RaftEvent(NodeId);

public sealed record MemberAdded(ulong NodeId, ulong Member, string Address, bool IsVoter) : RaftEvent(NodeId);

public sealed record MemberRemoved(ulong NodeId, ulong Member) : RaftEvent(NodeId);

public sealed record PeerReachabilityEvent(ulong NodeId, ulong Peer, bool Reachable) : RaftEvent(NodeId);

/// <summary>A snapshot of the services was stored in the journal (size in bytes) and the log compacted.</summary>
public sealed record SnapshotStored(ulong NodeId, ulong Index, long Bytes) : RaftEvent(NodeId);

/// <summary>The node stopped itself because it could not trust its disk or its service; it acknowledges nothing more.</summary>
public sealed record NodeFailed(ulong NodeId, string Reason) : RaftEvent(NodeId);
