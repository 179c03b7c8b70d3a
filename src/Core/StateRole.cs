namespace RaftActors.Core;

public enum StateRole
{
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

/// <summary>The volatile part of a node's state that the runtime wants to hear about when it changes.</summary>
public sealed record SoftState(ulong Leader, StateRole Role);

/// <summary>Why a proposal (or a transfer or read request) was not accepted.</summary>
public enum ProposeResult
{
    Accepted,
    /// <summary>No leader is known right now (an election is going on).</summary>
    NoLeader,
    /// <summary>This node is a follower and forwarding proposals is disabled.</summary>
    ForwardingDisabled,
    /// <summary>The leader is transferring leadership; proposals wait for the new leader.</summary>
    TransferInProgress,
    /// <summary>Too much proposed and not yet committed (<see cref="RaftConfig.MaxUncommittedEntriesSize"/>).</summary>
    UncommittedLimit,
    /// <summary>This node is not a member (it was removed).</summary>
    NotMember,
    /// <summary>This node is campaigning; it cannot accept or forward now.</summary>
    Campaigning,
    /// <summary>A membership change is already pending, or the change does not fit the current config.</summary>
    ConfChangeRefused,
}
