using RaftActors.Messages;

namespace RaftActors.Core.Tests.Paper;

/// <summary>
/// Raft paper §5.2, "Leader election": heartbeats keep followers passive; a follower that hears nothing for
/// an election timeout increments its term, votes for itself and asks every other server for its vote;
/// a candidate becomes leader with votes from a majority, steps down when it hears from a leader of its
/// term or later, and starts a new election when its own times out; each server votes at most once per
/// term, first come first served; election timeouts are randomized so that split votes are rare.
/// Pre-vote and check-quorum are off (they add a round and a lease before these rules apply).
/// </summary>
public sealed class LeaderElectionTests
{
    private static readonly ulong[] Three = [1, 2, 3];
    private static readonly ulong[] Five = [1, 2, 3, 4, 5];

    [Fact]
    public void Leader_sends_heartbeats_every_heartbeat_interval()
    {
        var n = PaperNode.Create(1, Three, configure: c => new RaftConfig
        {
            Id = c.Id, Storage = c.Storage, ElectionTick = 10, HeartbeatTick = 3, PreVote = false, CheckQuorum = false, RandomSeed = 7,
        });
        n.BecomeLeader(2);
        for (var round = 0; round < 3; round++)
        {
            n.Tick(2);
            Assert.DoesNotContain(n.Drain().AllMessages, m => m.Type == MessageType.Heartbeat);
            n.Tick();
            var beats = n.Drain().AllMessages.Where(m => m.Type == MessageType.Heartbeat).ToList();
            Assert.Equal([2UL, 3UL], beats.Select(m => m.To).Order());
            Assert.All(beats, m => Assert.Equal(n.Term, m.Term));
        }
    }

    [Theory]
    [InlineData(StateRole.Follower)]
    [InlineData(StateRole.Candidate)]
    public void Node_that_hears_nothing_for_twice_the_election_timeout_starts_an_election(StateRole from)
    {
        var n = PaperNode.Create(1, Three, logTerms: [1, 1], term: 1);
        if (from == StateRole.Candidate)
        {
            n.Raw.Campaign();
            n.Drain();
        }
        var termBefore = n.Term;
        n.Tick(2 * PaperNode.ElectionTick);
        var drained = n.Drain();
        Assert.Equal(StateRole.Candidate, n.Role);
        Assert.Equal(termBefore + 1, n.Term);
        Assert.Equal(1UL, n.Vote);
        var requests = drained.AllMessages.Where(m => m.Type == MessageType.Vote).ToList();
        Assert.Equal([2UL, 3UL], requests.Select(m => m.To).Order());
        Assert.All(requests, m => Assert.Equal((termBefore + 1, 2UL, 1UL), (m.Term, m.Index, m.LogTerm)));
    }

    [Fact]
    public void Follower_that_hears_from_the_leader_does_not_start_an_election()
    {
        var n = PaperNode.Create(1, Three);
        for (var i = 0; i < 10 * PaperNode.ElectionTick; i++)
        {
            n.Tick();
            if (i % 5 == 0) n.Step(Msg.Heartbeat(2, 1, 1, 0));
            n.Drain();
        }
        Assert.Equal(StateRole.Follower, n.Role);
        Assert.Equal(1UL, n.Term);
        Assert.Equal(2UL, n.Raw.Leader);
    }

    [Fact]
    public void Follower_that_grants_a_vote_restarts_its_election_timer()
    {
        // A twin with the same seed shows when this node's timer would fire.
        var timeout = TicksUntilCampaign(PaperNode.Create(1, Three, term: 1));
        var n = PaperNode.Create(1, Three, term: 1);
        n.Tick(timeout - 1);
        // A vote in the current term (no term change resets anything by itself).
        Assert.False(Assert.Single(n.StepAndDrain(Msg.Vote(2, 1, 1, 0, 0))).Reject);
        n.Tick(timeout - 1);
        n.Drain();
        Assert.Equal(StateRole.Follower, n.Role);
        Assert.Equal(1UL, n.Term);
        n.Tick(2 * PaperNode.ElectionTick);
        Assert.Equal(StateRole.Candidate, n.Role);
    }

    [Theory]
    [InlineData(3, new ulong[] { 2 }, new ulong[] { })]
    [InlineData(3, new ulong[] { 3 }, new ulong[] { 2 })]
    [InlineData(5, new ulong[] { 2, 3 }, new ulong[] { 4, 5 })]
    [InlineData(5, new ulong[] { 4, 5 }, new ulong[] { })]
    public void Candidate_that_wins_a_majority_becomes_leader(int size, ulong[] granted, ulong[] rejected)
    {
        var n = Candidate(size);
        foreach (var id in rejected) n.Step(Msg.VoteResponse(id, 1, 1, reject: true));
        n.Drain();
        foreach (var id in granted.SkipLast(1)) n.Step(Msg.VoteResponse(id, 1, 1));
        n.Drain();
        Assert.Equal(StateRole.Candidate, n.Role);
        n.Step(Msg.VoteResponse(granted[^1], 1, 1));
        var drained = n.Drain();
        Assert.Equal(StateRole.Leader, n.Role);
        Assert.Equal(1UL, n.Raw.Leader);
        Assert.Equal(1UL, n.Term);
        // §5.3/§8: the new leader announces itself at once with an append of its no-op entry.
        var appends = drained.AllMessages.Where(m => m.Type == MessageType.Append).Select(m => m.To).Order();
        Assert.Equal(Enumerable.Range(2, size - 1).Select(i => (ulong)i), appends);
    }

    [Theory]
    [InlineData(3, new ulong[] { 2, 3 })]
    [InlineData(5, new ulong[] { 2, 3, 4 })]
    public void Candidate_rejected_by_a_majority_becomes_follower(int size, ulong[] rejected)
    {
        var n = Candidate(size);
        foreach (var id in rejected) n.Step(Msg.VoteResponse(id, 1, 1, reject: true));
        n.Drain();
        Assert.Equal(StateRole.Follower, n.Role);
        Assert.Equal(1UL, n.Term);
    }

    [Theory]
    [InlineData(3, new ulong[] { 2 })]
    [InlineData(5, new ulong[] { 2, 3 })]
    [InlineData(5, new ulong[] { })]
    public void Candidate_without_a_majority_either_way_stays_candidate(int size, ulong[] rejected)
    {
        var n = Candidate(size);
        foreach (var id in rejected) n.Step(Msg.VoteResponse(id, 1, 1, reject: true));
        n.Drain();
        Assert.Equal(StateRole.Candidate, n.Role);
    }

    [Fact]
    public void Votes_are_counted_once_per_voter()
    {
        var n = Candidate(5);
        for (var i = 0; i < 3; i++) n.Step(Msg.VoteResponse(2, 1, 1));
        n.Drain();
        Assert.Equal(StateRole.Candidate, n.Role);
    }

    [Theory]
    [InlineData(MessageType.Append)]
    [InlineData(MessageType.Heartbeat)]
    public void Candidate_steps_down_on_append_from_leader_of_its_term(MessageType type)
    {
        var n = Candidate(3);
        n.Step(new RaftMessage { Type = type, From = 2, To = 1, Term = 1 });
        n.Drain();
        Assert.Equal(StateRole.Follower, n.Role);
        Assert.Equal(1UL, n.Term);
        Assert.Equal(2UL, n.Raw.Leader);
    }

    [Theory]
    [InlineData(0UL, 2UL, false)] // no vote yet: granted
    [InlineData(2UL, 2UL, false)] // the same candidate again (a retry): granted again
    [InlineData(3UL, 2UL, true)]  // voted for someone else in this term: refused
    [InlineData(1UL, 2UL, true)]  // voted for itself in this term: refused
    public void Vote_is_granted_at_most_once_per_term(ulong votedFor, ulong candidate, bool refused)
    {
        var n = PaperNode.Create(1, Three, term: 1, vote: votedFor);
        var responses = n.StepAndDrain(Msg.Vote(candidate, 1, 1, 0, 0));
        var response = Assert.Single(responses);
        Assert.Equal((MessageType.VoteResponse, candidate, refused), (response.Type, response.To, response.Reject));
        Assert.Equal(refused ? votedFor : candidate, n.Vote);
    }

    [Fact]
    public void Vote_cast_before_a_restart_is_remembered_after_it()
    {
        var n = PaperNode.Create(1, Three);
        Assert.False(Assert.Single(n.StepAndDrain(Msg.Vote(2, 1, 1, 0, 0))).Reject);
        n.Restart();
        var second = Assert.Single(n.StepAndDrain(Msg.Vote(3, 1, 1, 0, 0)));
        Assert.True(second.Reject);
        Assert.Equal(2UL, n.Vote);
    }

    [Fact]
    public void Election_timeout_is_randomized_within_one_to_two_timeouts()
    {
        var seen = new HashSet<int>();
        for (ulong seed = 1; seed <= 200; seed++)
        {
            var n = PaperNode.Create(1, Three, configure: c => WithSeed(c, seed));
            var ticks = TicksUntilCampaign(n);
            Assert.InRange(ticks, PaperNode.ElectionTick, 2 * PaperNode.ElectionTick - 1);
            seen.Add(ticks);
        }
        // Every value of the range is drawn: the timeout is spread, not a constant.
        Assert.Equal(PaperNode.ElectionTick, seen.Count);
    }

    [Fact]
    public void Election_timeout_is_drawn_again_for_every_election()
    {
        var n = PaperNode.Create(1, Three, configure: c => WithSeed(c, 42));
        var seen = new HashSet<int>();
        for (var i = 0; i < 50; i++) seen.Add(TicksUntilCampaign(n));
        Assert.True(seen.Count > 1, "a candidate's successive election timeouts were all equal");
    }

    [Fact]
    public void Followers_election_timeouts_rarely_coincide()
    {
        // §5.2: randomization spreads the servers out so that in most cases a single one times out first.
        var conflicts = 0;
        const int rounds = 200;
        for (var round = 0; round < rounds; round++)
        {
            var firsts = Five.Select(id => TicksUntilCampaign(
                PaperNode.Create(id, Five, configure: c => WithSeed(c, (ulong)(round * 10) + id)))).ToArray();
            if (firsts.Count(t => t == firsts.Min()) > 1) conflicts++;
        }
        Assert.True(conflicts <= rounds * 0.4, $"{conflicts} of {rounds} rounds had a tie for the first timeout");
    }

    private static PaperNode Candidate(int size)
    {
        var ids = Enumerable.Range(1, size).Select(i => (ulong)i).ToArray();
        var n = PaperNode.Create(1, ids);
        n.Raw.Campaign();
        n.Drain();
        Assert.Equal(StateRole.Candidate, n.Role);
        return n;
    }

    private static int TicksUntilCampaign(PaperNode n)
    {
        var term = n.Term;
        for (var ticks = 1; ticks <= 10 * PaperNode.ElectionTick; ticks++)
        {
            n.Tick();
            n.Drain();
            if (n.Term > term) return ticks;
        }
        throw new InvalidOperationException("the node never campaigned");
    }

    private static RaftConfig WithSeed(RaftConfig c, ulong seed) => new()
    {
        Id = c.Id, Storage = c.Storage, ElectionTick = c.ElectionTick, HeartbeatTick = c.HeartbeatTick,
        PreVote = false, CheckQuorum = false, RandomSeed = seed,
    };
}
