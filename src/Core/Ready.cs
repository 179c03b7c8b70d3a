using RaftActors.Messages;

namespace RaftActors.Core;

/// <summary>
/// What the core asks the runtime to do, taken by <see cref="RawNode.GetReady"/>. The runtime must, in order:
/// <list type="number">
/// <item>send <see cref="Messages"/> (may start at once, in parallel with the write: thesis §10.2.1);</item>
/// <item>durably write <see cref="Snapshot"/>, <see cref="Entries"/> (discarding stored entries at or after the
/// first one's index) and <see cref="HardState"/>, in one write when it can;</item>
/// <item>only then send <see cref="PersistedMessages"/> — votes and append acknowledgements promise
/// durability, so they must not leave before the write completes;</item>
/// <item>apply <see cref="Snapshot"/> and <see cref="CommittedEntries"/> to the service, calling
/// <see cref="RawNode.ApplyConfChange"/> for each membership entry;</item>
/// <item>call <see cref="RawNode.Advance"/> with this Ready.</item>
/// </list>
/// No message may be stepped into the node between the write starting and completing unless it is
/// known to be durable; a single-threaded loop that writes synchronously satisfies this.
/// </summary>
public sealed class Ready
{
    /// <summary>Leader and role, when they changed since the previous Ready; otherwise null.</summary>
    public SoftState? SoftState { get; init; }

    /// <summary>The hard state to persist, when it changed; otherwise null.</summary>
    public HardState? HardState { get; init; }

    public IReadOnlyList<ReadState> ReadStates { get; init; } = [];

    /// <summary>Entries to persist before <see cref="PersistedMessages"/> are sent.</summary>
    public IReadOnlyList<Entry> Entries { get; init; } = [];

    /// <summary>A snapshot received from the leader, to persist and restore into the service; otherwise null.</summary>
    public Snapshot? Snapshot { get; init; }

    /// <summary>Entries committed by a quorum, to apply in order. They were persisted by this or an earlier Ready.</summary>
    public IReadOnlyList<Entry> CommittedEntries { get; init; } = [];

    /// <summary>Messages that may be sent immediately.</summary>
    public IReadOnlyList<RaftMessage> Messages { get; init; } = [];

    /// <summary>Messages that may be sent only after this Ready's entries and hard state are durable.</summary>
    public IReadOnlyList<RaftMessage> PersistedMessages { get; init; } = [];

    /// <summary>Whether the write must be synchronous (fsync): false only when nothing durable changed.</summary>
    public bool MustSync { get; init; }

    public bool IsEmpty => SoftState is null && HardState is null && ReadStates.Count == 0 && Entries.Count == 0
        && Snapshot is null && CommittedEntries.Count == 0 && Messages.Count == 0 && PersistedMessages.Count == 0;
}
