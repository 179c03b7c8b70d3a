using RaftActors.Core.Tracker;
using RaftActors.Messages;

namespace RaftActors.Core;

/// <summary>
/// The public face of the core (etcd's RawNode): feed it ticks, messages and proposals; take a
/// <see cref="Ready"/> when <see cref="HasReady"/>; do what it says; call <see cref="Advance"/>.
/// Synchronous and single-threaded: one owner drives it. Nothing here waits, sleeps or does I/O.
/// <code>
/// var node = new RawNode(new RaftConfig { Id = 1, Storage = storage });
/// loop:
///     node.Tick() every tick; node.Step(message) for every message received;
///     if (node.HasReady()) { var rd = node.GetReady(); send rd.Messages; persist;
///         send rd.PersistedMessages; apply rd.CommittedEntries; node.Advance(rd); }
/// </code>
/// </summary>
public sealed class RawNode
{
    private readonly Raft _raft;
    private SoftState _previousSoftState;
    private HardState _previousHardState;
    private Ready? _outstanding;

    public RawNode(RaftConfig config)
    {
        _raft = new Raft(config);
        _previousSoftState = _raft.SoftState;
        _previousHardState = _raft.HardState;
    }

    public ulong Id => _raft.Id;

    public ulong Term => _raft.Term;

    public ulong Leader => _raft.Leader;

    public StateRole Role => _raft.Role;

    public ulong CommitIndex => _raft.Log.Committed;

    public ulong AppliedIndex => _raft.Log.Applied;

    public ulong LastIndex => _raft.Log.LastIndex();

    public ConfState ConfState => _raft.Tracker.ConfState();

    /// <summary>Leader-side ReadIndex requests waiting for their quorum round (for tests and metrics).</summary>
    public int PendingReadCount => _raft.PendingReadCount;

    /// <summary>Advances the logical clock by one tick.</summary>
    public void Tick() => _raft.Tick();

    /// <summary>Campaigns now instead of waiting for the election timeout (honours pre-vote).</summary>
    public void Campaign() => _raft.Step(new RaftMessage { Type = MessageType.Hup, From = _raft.Id });

    /// <summary>
    /// Proposes a command. <see cref="ProposeResult.Accepted"/> means the leader appended it (or a follower
    /// forwarded it), not that it will commit: a leader change can still drop it, and the caller learns the
    /// outcome only by seeing the entry applied.
    /// </summary>
    public ProposeResult Propose(byte[] data) =>
        _raft.Step(new RaftMessage { Type = MessageType.Propose, From = _raft.Id, Entries = [new Entry(0, 0, EntryType.Normal, data)] });

    /// <summary>
    /// Proposes several commands as one: a leader appends them together, in this order, and sends each follower one
    /// append for all of them (one proposal at a time is one append per follower each, and one answer each). Under
    /// the uncommitted limit it takes the longest prefix that fits, as proposing them one at a time would take them
    /// until the first refusal; <paramref name="accepted"/> says how many, and the result is the refusal of the rest
    /// (or <see cref="ProposeResult.Accepted"/> when all went in).
    /// </summary>
    public ProposeResult Propose(IReadOnlyList<byte[]> commands, out int accepted)
    {
        accepted = 0;
        if (commands.Count == 0) return ProposeResult.Accepted;
        // None fits: one is stepped, so the refusal is the core's own (the limit, or not being the leader).
        var take = Math.Max(1, _raft.ProposalsThatFit(commands));
        var entries = new Entry[take];
        for (var i = 0; i < take; i++) entries[i] = new Entry(0, 0, EntryType.Normal, commands[i]);
        var result = _raft.Step(new RaftMessage { Type = MessageType.Propose, From = _raft.Id, Entries = entries });
        if (result != ProposeResult.Accepted) return result;
        accepted = take;
        return take == commands.Count ? ProposeResult.Accepted : ProposeResult.UncommittedLimit;
    }

    /// <summary>Proposes a membership change; it takes effect when applied (<see cref="ApplyConfChange"/>).</summary>
    public ProposeResult ProposeConfChange(ConfChange change) =>
        _raft.Step(new RaftMessage
        {
            Type = MessageType.Propose, From = _raft.Id, Entries = [new Entry(0, 0, EntryType.ConfChange, RaftCodec.Encode(change))],
        });

    /// <summary>Applies a committed membership change; call it for every such entry, in log order.</summary>
    public ConfState ApplyConfChange(ConfChange change) => _raft.ApplyConfChange(change);

    /// <summary>
    /// Steps a message received from a peer. Messages that cannot come from the network (local kinds) or
    /// that are malformed are refused with <see cref="InvalidPeerMessageException"/> and change nothing;
    /// responses from non-members are ignored.
    /// </summary>
    public void Step(RaftMessage message)
    {
        PeerMessageValidator.Validate(message, _raft.Id);
        if (message.Type.IsResponse() && !_raft.Tracker.Progress.ContainsKey(message.From)) return;
        _raft.Step(message);
    }

    /// <summary>Asks the leader (possibly through this follower) to hand leadership to <paramref name="transferee"/>.</summary>
    public ProposeResult TransferLeader(ulong transferee) =>
        _raft.Step(new RaftMessage { Type = MessageType.TransferLeader, From = transferee });

    /// <summary>
    /// Requests a linearizable read. When confirmed, a <see cref="ReadState"/> with the same
    /// <paramref name="requestContext"/> appears in a Ready; the read may be served once the service has
    /// applied up to its index. <paramref name="requestContext"/> must be unique among pending reads.
    /// </summary>
    public ProposeResult ReadIndex(byte[] requestContext) =>
        _raft.Step(new RaftMessage { Type = MessageType.ReadIndex, From = _raft.Id, Entries = [new Entry(0, 0, EntryType.Normal, requestContext)] });

    /// <summary>The transport could not deliver to <paramref name="id"/>.</summary>
    public void ReportUnreachable(ulong id) => _raft.Step(new RaftMessage { Type = MessageType.Unreachable, From = id });

    /// <summary>The transport finished sending a snapshot to <paramref name="id"/>, or failed to.</summary>
    public void ReportSnapshot(ulong id, bool failed) =>
        _raft.Step(new RaftMessage { Type = MessageType.SnapshotStatus, From = id, Reject = failed });

    public bool HasReady()
    {
        var r = _raft;
        if (!r.SoftState.Equals(_previousSoftState)) return true;
        var hs = r.HardState;
        if (!hs.IsEmpty && hs != _previousHardState) return true;
        return r.Log.HasPendingSnapshot || r.Messages.Count > 0 || r.MessagesAfterPersist.Count > 0
            || r.Log.UnstableEntries.Count > 0 || r.Log.HasNextCommittedEntries() || r.ReadStates.Count > 0;
    }

    /// <summary>Takes what must be persisted, sent and applied. Call <see cref="Advance"/> before the next one.</summary>
    public Ready GetReady()
    {
        if (_outstanding is not null) throw new InvalidOperationException("the previous Ready was not advanced");
        var r = _raft;
        var soft = r.SoftState;
        var hard = r.HardState;
        var entries = r.Log.UnstableEntries.ToArray();
        var hardChanged = hard != _previousHardState;
        var ready = new Ready
        {
            SoftState = soft.Equals(_previousSoftState) ? null : soft,
            HardState = hardChanged ? hard : null,
            Entries = entries,
            Snapshot = r.Log.Unstable.Snapshot,
            CommittedEntries = r.Log.NextCommittedEntries(),
            Messages = r.Messages.ToArray(),
            PersistedMessages = r.MessagesAfterPersist.ToArray(),
            ReadStates = r.ReadStates.ToArray(),
            // A snapshot is durable state too: the append response that answers it promises it is on disk.
            MustSync = entries.Length > 0 || r.Log.HasPendingSnapshot
                || hard.Term != _previousHardState.Term || hard.Vote != _previousHardState.Vote,
        };
        if (ready.SoftState is not null) _previousSoftState = soft;
        r.ClearMessages();
        r.ClearReadStates();
        _outstanding = ready;
        return ready;
    }

    /// <summary>Confirms that <paramref name="ready"/> was persisted, sent and applied.</summary>
    public void Advance(Ready ready)
    {
        if (!ReferenceEquals(ready, _outstanding)) throw new InvalidOperationException("Advance must be given the Ready from the latest GetReady");
        _outstanding = null;
        if (ready.HardState is { } hs) _previousHardState = hs;
        var r = _raft;
        r.ReduceUncommittedSize(ready.CommittedEntries);
        var applied = ready.CommittedEntries.Count > 0 ? ready.CommittedEntries[^1].Index
            : ready.Snapshot is { IsEmpty: false } snap ? snap.Metadata.Index : 0;
        if (ready.Entries.Count > 0) r.Log.StableTo(ready.Entries[^1].Index, ready.Entries[^1].Term);
        if (ready.Snapshot is { IsEmpty: false } s) r.Log.StableSnapshotTo(s.Metadata.Index);
        if (applied > 0) r.AppliedTo(applied);
    }

    public Status Status()
    {
        var r = _raft;
        var progress = new Dictionary<ulong, PeerProgress>();
        if (r.Role == StateRole.Leader)
        {
            foreach (var (id, pr) in r.Tracker.Progress)
            {
                progress[id] = new PeerProgress(pr.Match, pr.Next, pr.State, pr.IsLearner, pr.RecentActive);
            }
        }
        return new Status
        {
            Id = r.Id, HardState = r.HardState, SoftState = r.SoftState, Applied = r.Log.Applied, LastIndex = r.Log.LastIndex(),
            Config = r.Tracker.ConfState(), LeadTransferee = r.LeadTransferee, Progress = progress,
        };
    }

    /// <summary>The leader's replication state for <paramref name="id"/>, or null on other roles.</summary>
    public Progress? ProgressOf(ulong id) =>
        _raft.Role == StateRole.Leader && _raft.Tracker.Progress.TryGetValue(id, out var pr) ? pr : null;
}
