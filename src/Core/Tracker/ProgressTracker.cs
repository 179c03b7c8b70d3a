using RaftActors.Core.Quorum;
using RaftActors.Messages;

namespace RaftActors.Core.Tracker;

/// <summary>
/// The current membership, the leader's <see cref="Progress"/> of every member, and the votes of the
/// election in progress. Iteration is always in id order so the core stays deterministic.
/// </summary>
public sealed class ProgressTracker
{
    private readonly Dictionary<ulong, bool> _votes = [];

    // Made once: Committed() runs on every append acknowledgement, and a lambda there was a new delegate each time.
    private readonly Func<ulong, ulong?> _matchOf;

    public ProgressTracker(int maxInflight, ulong maxInflightBytes)
    {
        MaxInflight = maxInflight;
        MaxInflightBytes = maxInflightBytes;
        _matchOf = id => Progress.TryGetValue(id, out var pr) ? pr.Match : null;
    }

    public int MaxInflight { get; }

    public ulong MaxInflightBytes { get; }

    public TrackerConfig Config { get; internal set; } = new();

    public SortedDictionary<ulong, Progress> Progress { get; internal set; } = [];

    public IReadOnlyDictionary<ulong, bool> Votes => _votes;

    public ConfState ConfState() => Config.ToConfState();

    public bool IsSingleton => Config.Voters.Incoming.Count == 1 && !Config.Voters.IsJoint;

    public Inflights NewInflights() => new(MaxInflight, MaxInflightBytes);

    /// <summary>The highest index acknowledged by a quorum of voters (both halves when joint).</summary>
    public ulong Committed() => Config.Voters.CommittedIndex(_matchOf);

    /// <summary>Whether a quorum of voters was heard from in the last election timeout.</summary>
    public bool QuorumActive()
    {
        var active = new Dictionary<ulong, bool>();
        foreach (var (id, pr) in Progress)
        {
            if (!pr.IsLearner) active[id] = pr.RecentActive;
        }
        return Config.Voters.Vote(active) == VoteResult.Won;
    }

    public IReadOnlyList<ulong> VoterIds() => Config.Voters.AllIds();

    public IReadOnlyList<ulong> LearnerIds() => Config.Learners.ToArray();

    public void ResetVotes() => _votes.Clear();

    /// <summary>Records a vote; a voter's first answer in an election is the one that counts.</summary>
    public void RecordVote(ulong id, bool granted) => _votes.TryAdd(id, granted);

    public (int Granted, int Rejected, VoteResult Result) TallyVotes()
    {
        int granted = 0, rejected = 0;
        foreach (var (id, pr) in Progress)
        {
            if (pr.IsLearner || !_votes.TryGetValue(id, out var v)) continue;
            if (v) granted++;
            else rejected++;
        }
        return (granted, rejected, Config.Voters.Vote(_votes));
    }
}
