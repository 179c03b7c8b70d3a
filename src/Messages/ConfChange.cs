namespace RaftActors.Messages;

public enum ConfChangeType : byte
{
    AddVoter = 0,
    RemoveNode = 1,
    /// <summary>Kept for the wire format; changes nothing in the configuration.</summary>
    UpdateNode = 2,
    AddLearner = 3,
}

/// <summary>How a change with more than one step moves through joint consensus.</summary>
public enum ConfChangeTransition : byte
{
    /// <summary>One simple step when possible; otherwise joint consensus left automatically.</summary>
    Auto = 0,
    /// <summary>Always joint consensus, left automatically once the joint config is committed.</summary>
    JointImplicit = 1,
    /// <summary>Always joint consensus; the caller proposes an empty change to leave it.</summary>
    JointExplicit = 2,
}

public readonly record struct ConfChangeSingle(ConfChangeType Type, ulong NodeId);

/// <summary>
/// A membership change proposed through the log. An empty <see cref="Changes"/> list means
/// "leave the current joint configuration".
/// </summary>
public sealed class ConfChange : IEquatable<ConfChange>
{
    public ConfChange(IReadOnlyList<ConfChangeSingle> changes,
        ConfChangeTransition transition = ConfChangeTransition.Auto, byte[]? context = null)
    {
        Changes = changes;
        Transition = transition;
        Context = context ?? [];
    }

    public IReadOnlyList<ConfChangeSingle> Changes { get; }
    public ConfChangeTransition Transition { get; }

    /// <summary>Opaque bytes for the runtime (for example the new member's address).</summary>
    public byte[] Context { get; }

    public bool IsLeaveJoint => Changes.Count == 0;

    public static ConfChange LeaveJoint() => new([]);
    public static ConfChange AddVoter(ulong id, byte[]? context = null) => new([new(ConfChangeType.AddVoter, id)], context: context);
    public static ConfChange AddLearner(ulong id, byte[]? context = null) => new([new(ConfChangeType.AddLearner, id)], context: context);
    public static ConfChange Remove(ulong id) => new([new(ConfChangeType.RemoveNode, id)]);

    /// <summary>
    /// Whether this change enters a joint configuration, and if so whether the leader leaves it on its own.
    /// A single change under <see cref="ConfChangeTransition.Auto"/> is a simple one-step change.
    /// </summary>
    public (bool AutoLeave, bool UseJoint) EnterJoint()
    {
        if (Transition != ConfChangeTransition.Auto || Changes.Count > 1)
        {
            return (Transition is ConfChangeTransition.Auto or ConfChangeTransition.JointImplicit, true);
        }
        return (false, false);
    }

    public bool Equals(ConfChange? other) => other is not null && Transition == other.Transition
        && Changes.SequenceEqual(other.Changes) && Context.AsSpan().SequenceEqual(other.Context);

    public override bool Equals(object? obj) => Equals(obj as ConfChange);

    public override int GetHashCode() => HashCode.Combine(Transition, Changes.Count);

    public override string ToString() => IsLeaveJoint ? "leave-joint"
        : string.Join(' ', Changes.Select(c => $"{c.Type}({c.NodeId})"));
}
