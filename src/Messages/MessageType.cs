namespace RaftActors.Messages;

/// <summary>
/// The kinds of Raft message. Local kinds never cross the wire: the runtime feeds them to its own
/// core (a tick that campaigns, a report that a peer is unreachable). Remote kinds travel between nodes.
/// </summary>
public enum MessageType : byte
{
    /// <summary>Local: start an election (or pre-election) now.</summary>
    Hup = 0,
    /// <summary>Local: the leader should send heartbeats now.</summary>
    Beat = 1,
    /// <summary>Local on the leader; remote when a follower forwards a proposal.</summary>
    Propose = 2,
    Append = 3,
    AppendResponse = 4,
    Vote = 5,
    VoteResponse = 6,
    Snapshot = 7,
    Heartbeat = 8,
    HeartbeatResponse = 9,
    /// <summary>Local: the transport could not reach <see cref="RaftMessage.From"/>.</summary>
    Unreachable = 10,
    /// <summary>Local: the transport finished (or failed) sending a snapshot; <see cref="RaftMessage.Reject"/> is failure.</summary>
    SnapshotStatus = 11,
    /// <summary>Local: the leader checks that a quorum is still active.</summary>
    CheckQuorum = 12,
    /// <summary>Local on the leader; remote when a follower forwards a transfer request.</summary>
    TransferLeader = 13,
    TimeoutNow = 14,
    ReadIndex = 15,
    ReadIndexResponse = 16,
    PreVote = 17,
    PreVoteResponse = 18,
}

public static class MessageTypeExtensions
{
    /// <summary>True for kinds that a node produces for itself and that must never arrive from the network.</summary>
    public static bool IsLocal(this MessageType type) => type is MessageType.Hup or MessageType.Beat
        or MessageType.Unreachable or MessageType.SnapshotStatus or MessageType.CheckQuorum;

    /// <summary>True for responses: they carry no term-raising authority of their own.</summary>
    public static bool IsResponse(this MessageType type) => type is MessageType.AppendResponse
        or MessageType.VoteResponse or MessageType.HeartbeatResponse or MessageType.ReadIndexResponse
        or MessageType.PreVoteResponse;

    /// <summary>The response kind matching a vote or pre-vote request.</summary>
    public static MessageType VoteResponseType(this MessageType type) => type switch
    {
        MessageType.Vote => MessageType.VoteResponse,
        MessageType.PreVote => MessageType.PreVoteResponse,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a vote request"),
    };

    /// <summary>Whether the value names a defined kind; the codec refuses the others.</summary>
    public static bool IsDefined(this MessageType type) => (byte)type <= (byte)MessageType.PreVoteResponse;
}
