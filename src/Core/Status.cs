using RaftActors.Core.Tracker;
using RaftActors.Messages;

namespace RaftActors.Core;

/// <summary>A snapshot of a node's state for monitoring and for the runtime's status API.</summary>
public sealed record Status
{
    public required ulong Id { get; init; }
    public required HardState HardState { get; init; }
    public required SoftState SoftState { get; init; }
    public required ulong Applied { get; init; }
    public required ulong LastIndex { get; init; }
    public required ConfState Config { get; init; }
    public ulong LeadTransferee { get; init; }

    /// <summary>The leader's view of each member (match index and state); empty on other roles.</summary>
    public IReadOnlyDictionary<ulong, PeerProgress> Progress { get; init; } = new Dictionary<ulong, PeerProgress>();
}

public sealed record PeerProgress(ulong Match, ulong Next, ProgressState State, bool IsLearner, bool RecentActive);
