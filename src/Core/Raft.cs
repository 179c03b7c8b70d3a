using RaftActors.Core.Membership;
using RaftActors.Core.Tracker;
using RaftActors.Messages;

namespace RaftActors.Core;

/// <summary>
/// The Raft algorithm as a deterministic state machine (after etcd's raft.go). Inputs are messages
/// (<see cref="Step"/>) and ticks (<see cref="Tick"/>); outputs accumulate in the log's unstable
/// tail, the hard state and the outgoing message lists, and leave through <see cref="RawNode"/>'s
/// <see cref="Ready"/>. No clock, thread, I/O or unseeded randomness is touched here.
/// This file holds the state and role transitions; the step logic lives in the other partial files.
/// </summary>
internal sealed partial class Raft
{
    /// <summary>The context of a vote request that comes from a leadership transfer (bypasses the disruption guard).</summary>
    internal static readonly byte[] CampaignTransferContext = "CampaignTransfer"u8.ToArray();

    private readonly RaftConfig _config;
    private readonly DeterministicRandom _random;
    private readonly IRaftLogger _logger;
    private readonly List<RaftMessage> _messages = [];
    private readonly List<RaftMessage> _messagesAfterPersist = [];
    private readonly List<ReadState> _readStates = [];
    private readonly List<RaftMessage> _pendingReadIndexMessages = [];
    private ReadOnlyRequests _readOnly;
    private LeaderLease _lease;
    // Ticks since the node started (from 1, so a heartbeat stamp of 0 means "not stamped"): the lease clock.
    private ulong _clock = 1;
    private int _heartbeatElapsed;
    private int _randomizedElectionTimeout;
    private ulong _uncommittedSize;

    public Raft(RaftConfig config)
    {
        config.Validate();
        _config = config;
        Id = config.Id;
        _logger = config.Logger;
        _random = new DeterministicRandom(config.RandomSeed != 0 ? config.RandomSeed : config.Id * 0x9E3779B97F4A7C15UL);
        Log = new RaftLog(config.Storage, config.MaxCommittedSizePerReady);
        Tracker = new ProgressTracker(config.MaxInflightMsgs, config.MaxInflightBytes);
        _readOnly = new ReadOnlyRequests(config.ReadOnlyOption);
        _lease = new LeaderLease(config.LeaseTicks);
        ElectionTimeout = config.ElectionTick;
        HeartbeatTimeout = config.HeartbeatTick;

        var (hardState, confState) = config.Storage.InitialState();
        MembershipChanger.Restore(Tracker, Log.LastIndex(), confState);
        SwitchToConfig(Tracker.Config, Tracker.Progress);
        if (!hardState.IsEmpty) LoadState(hardState);
        if (config.Applied > 0) Log.AppliedTo(config.Applied);
        BecomeFollower(Term, 0);
        Info($"started: term={Term} commit={Log.Committed} applied={Log.Applied} last={Log.LastIndex()}/{Log.LastTerm()} {Tracker.Config}");
    }

    public ulong Id { get; }
    public ulong Term { get; private set; }
    public ulong Vote { get; private set; }
    public ulong Leader { get; private set; }
    public StateRole Role { get; private set; }
    public bool IsLearner { get; private set; }
    public ulong LeadTransferee { get; private set; }

    /// <summary>
    /// Index of the latest membership change in the log; a new change is refused until it is applied,
    /// so two changes with different quorums can never be in flight at once.
    /// </summary>
    public ulong PendingConfIndex { get; private set; }

    public RaftLog Log { get; }
    public ProgressTracker Tracker { get; }
    public int ElectionTimeout { get; }
    public int HeartbeatTimeout { get; }
    public int ElectionElapsed { get; private set; }

    private bool LeaseReads => _readOnly.Option == ReadOnlyOption.LeaseBased;

    public IReadOnlyList<RaftMessage> Messages => _messages;
    public IReadOnlyList<RaftMessage> MessagesAfterPersist => _messagesAfterPersist;
    public IReadOnlyList<ReadState> ReadStates => _readStates;
    internal int PendingReadCount => _readOnly.PendingCount + _pendingReadIndexMessages.Count;

    public HardState HardState => new(Term, Vote, Log.Committed);

    public SoftState SoftState => new(Leader, Role);

    public bool Promotable => Tracker.Progress.TryGetValue(Id, out var pr) && !pr.IsLearner && !Log.HasPendingSnapshot;

    internal void ClearMessages()
    {
        _messages.Clear();
        _messagesAfterPersist.Clear();
    }

    internal void ClearReadStates() => _readStates.Clear();

    private void LoadState(HardState state)
    {
        if (state.Commit < Log.Committed || state.Commit > Log.LastIndex())
        {
            throw new RaftInvariantException($"hard state commit {state.Commit} is outside [{Log.Committed}, {Log.LastIndex()}]");
        }
        Log.CommitTo(state.Commit);
        Term = state.Term;
        Vote = state.Vote;
    }

    public void Tick()
    {
        _clock++;
        if (Role == StateRole.Leader) TickHeartbeat();
        else TickElection();
    }

    private void TickElection()
    {
        ElectionElapsed++;
        if (Promotable && ElectionElapsed >= _randomizedElectionTimeout)
        {
            ElectionElapsed = 0;
            Step(new RaftMessage { Type = MessageType.Hup, From = Id });
        }
    }

    private void TickHeartbeat()
    {
        _heartbeatElapsed++;
        ElectionElapsed++;
        if (ElectionElapsed >= ElectionTimeout)
        {
            ElectionElapsed = 0;
            if (_config.CheckQuorum) Step(new RaftMessage { Type = MessageType.CheckQuorum, From = Id });
            // A transfer that has not completed within an election timeout is abandoned.
            if (Role == StateRole.Leader && LeadTransferee != 0) AbortLeaderTransfer();
        }
        if (Role != StateRole.Leader) return;
        if (_heartbeatElapsed >= HeartbeatTimeout)
        {
            _heartbeatElapsed = 0;
            Step(new RaftMessage { Type = MessageType.Beat, From = Id });
        }
    }

    public void BecomeFollower(ulong term, ulong leader)
    {
        Reset(term);
        Leader = leader;
        Role = StateRole.Follower;
        Info($"became follower at term {Term}" + (leader != 0 ? $", leader {leader}" : ""));
    }

    private void BecomePreCandidate()
    {
        if (Role == StateRole.Leader) throw new RaftInvariantException("invalid transition leader -> pre-candidate");
        // A pre-candidate changes neither term nor vote: that is the point of pre-vote.
        Tracker.ResetVotes();
        Leader = 0;
        Role = StateRole.PreCandidate;
        Info($"became pre-candidate at term {Term}");
    }

    private void BecomeCandidate()
    {
        if (Role == StateRole.Leader) throw new RaftInvariantException("invalid transition leader -> candidate");
        Reset(Term + 1);
        Vote = Id;
        Role = StateRole.Candidate;
        Info($"became candidate at term {Term}");
    }

    private void BecomeLeader()
    {
        if (Role == StateRole.Follower) throw new RaftInvariantException("invalid transition follower -> leader");
        Reset(Term);
        Leader = Id;
        Role = StateRole.Leader;
        Tracker.Progress[Id].BecomeReplicate();
        // Conservatively assume the unapplied tail may hold a membership change.
        PendingConfIndex = Log.LastIndex();
        // §5.4.2 / §8: an empty entry of the new term lets the leader commit everything before it.
        if (!AppendEntries([new Entry(0, 0)])) throw new RaftInvariantException("the empty entry of a new leader was refused");
        Info($"became leader at term {Term}");
    }

    private void Reset(ulong term)
    {
        if (Term != term)
        {
            Term = term;
            Vote = 0;
        }
        Leader = 0;
        ElectionElapsed = 0;
        _heartbeatElapsed = 0;
        _randomizedElectionTimeout = ElectionTimeout + _random.Next(ElectionTimeout);
        AbortLeaderTransfer();
        Tracker.ResetVotes();
        var last = Log.LastIndex();
        foreach (var (id, pr) in Tracker.Progress.ToArray())
        {
            Tracker.Progress[id] = new Progress(id == Id ? last : 0, last + 1, Tracker.NewInflights(), pr.IsLearner);
        }
        PendingConfIndex = 0;
        _uncommittedSize = 0;
        _readOnly = new ReadOnlyRequests(_readOnly.Option);
        _lease = new LeaderLease(_config.LeaseTicks);
        _pendingReadIndexMessages.Clear();
    }

    private void AbortLeaderTransfer() => LeadTransferee = 0;

    /// <summary>
    /// Queues a message. Votes, vote and append acknowledgements promise that something is durable on
    /// this node, so they go to the list that leaves only after the Ready is persisted.
    /// </summary>
    private void Send(RaftMessage message)
    {
        var from = message.From == 0 ? Id : message.From;
        var term = message.Term;
        var isVote = message.Type is MessageType.Vote or MessageType.VoteResponse or MessageType.PreVote or MessageType.PreVoteResponse;
        if (isVote)
        {
            if (message.Term == 0) throw new RaftInvariantException($"{message.Type} must carry a term");
        }
        else if (message.Type is not MessageType.Propose and not MessageType.ReadIndex)
        {
            // Forwarded proposals and reads carry no term: they are treated like local requests by the leader.
            term = Term;
        }
        // One copy at most (every message is sent through here).
        if (from != message.From || term != message.Term) message = message with { From = from, Term = term };
        var afterPersist = message.Type is MessageType.Vote or MessageType.VoteResponse or MessageType.PreVoteResponse
            or MessageType.AppendResponse or MessageType.HeartbeatResponse;
        (afterPersist ? _messagesAfterPersist : _messages).Add(message);
    }

    private void Info(string message)
    {
        if (_logger.IsEnabled(RaftLogLevel.Info)) _logger.Log(RaftLogLevel.Info, Id, message);
    }

    private void Debug(string message)
    {
        if (_logger.IsEnabled(RaftLogLevel.Debug)) _logger.Log(RaftLogLevel.Debug, Id, message);
    }
}
