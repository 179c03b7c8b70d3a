namespace RaftActors.Messages;

/// <summary>
/// One Raft message. Like etcd's raftpb.Message it is one shape for every kind; which fields matter
/// depends on <see cref="Type"/>:
/// <list type="bullet">
/// <item>Append: <see cref="LogTerm"/>/<see cref="Index"/> of the entry before <see cref="Entries"/>, and the leader's <see cref="Commit"/>.</item>
/// <item>AppendResponse: <see cref="Index"/> = last matching index on success; on <see cref="Reject"/>, <see cref="Index"/> is the rejected
/// probe index and <see cref="RejectHint"/>/<see cref="LogTerm"/> point where the leader should try next (fast backoff).</item>
/// <item>Vote/PreVote: <see cref="LogTerm"/>/<see cref="Index"/> describe the candidate's last entry.</item>
/// <item>Snapshot: <see cref="Snapshot"/>.</item>
/// <item>ReadIndex: <see cref="Entries"/>[0].Data is the caller's request context; the response echoes it with the read <see cref="Index"/>.</item>
/// <item>Heartbeat: <see cref="Context"/> carries the ReadIndex round context and, with lease reads, <see cref="Index"/> the
/// leader's tick count at sending; the response echoes both.</item>
/// </list>
/// </summary>
public sealed record RaftMessage
{
    public MessageType Type { get; init; }
    public ulong To { get; init; }
    public ulong From { get; init; }
    public ulong Term { get; init; }
    public ulong LogTerm { get; init; }
    public ulong Index { get; init; }
    public IReadOnlyList<Entry> Entries { get; init; } = [];
    public ulong Commit { get; init; }
    public Snapshot? Snapshot { get; init; }
    public bool Reject { get; init; }
    public ulong RejectHint { get; init; }
    public byte[] Context { get; init; } = [];

    /// <summary>Structural equality, with entries and byte payloads compared by content.</summary>
    public bool Equals(RaftMessage? other) => other is not null && Type == other.Type && To == other.To
        && From == other.From && Term == other.Term && LogTerm == other.LogTerm && Index == other.Index
        && Commit == other.Commit && Reject == other.Reject && RejectHint == other.RejectHint
        && Entries.SequenceEqual(other.Entries) && Equals(Snapshot, other.Snapshot)
        && Context.AsSpan().SequenceEqual(other.Context);

    public override int GetHashCode() => HashCode.Combine(Type, To, From, Term, Index);

    public override string ToString()
    {
        var s = $"{From}->{To} {Type} Term:{Term} Log:{LogTerm}/{Index}";
        if (Reject) s += $" Rejected (Hint: {RejectHint})";
        if (Commit != 0) s += $" Commit:{Commit}";
        if (Entries.Count > 0) s += $" Entries:[{string.Join(", ", Entries)}]";
        if (Snapshot is { IsEmpty: false } snap) s += $" Snapshot: Index:{snap.Metadata.Index} Term:{snap.Metadata.Term} {snap.Metadata.ConfState}";
        return s;
    }
}
