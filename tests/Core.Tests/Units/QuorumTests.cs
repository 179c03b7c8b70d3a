using RaftActors.Core.Quorum;

namespace RaftActors.Core.Tests.Units;

/// <summary>Majority and joint quorums: the committed index and the outcome of a vote, table-driven.</summary>
public sealed class QuorumTests
{
    // voters, acked indexes (same order; -1 = no acknowledgement) -> committed index
    [Theory]
    [InlineData(new ulong[] { 1 }, new long[] { 5 }, 5UL)]
    [InlineData(new ulong[] { 1, 2 }, new long[] { 5, 3 }, 3UL)]
    [InlineData(new ulong[] { 1, 2, 3 }, new long[] { 5, 3, 1 }, 3UL)]
    [InlineData(new ulong[] { 1, 2, 3 }, new long[] { 5, -1, -1 }, 0UL)]
    [InlineData(new ulong[] { 1, 2, 3 }, new long[] { 5, 5, -1 }, 5UL)]
    [InlineData(new ulong[] { 1, 2, 3, 4 }, new long[] { 9, 8, 7, 1 }, 7UL)]
    [InlineData(new ulong[] { 1, 2, 3, 4, 5 }, new long[] { 1, 2, 3, 4, 5 }, 3UL)]
    [InlineData(new ulong[] { 1, 2, 3, 4, 5 }, new long[] { 9, 9, -1, -1, -1 }, 0UL)]
    public void Majority_committed_index_is_the_highest_index_a_majority_acknowledged(ulong[] voters, long[] acked, ulong expected)
    {
        var cfg = new MajorityConfig(voters);
        var map = voters.Zip(acked).Where(p => p.Second >= 0).ToDictionary(p => p.First, p => (ulong)p.Second);
        Assert.Equal(expected, cfg.CommittedIndex(id => map.TryGetValue(id, out var v) ? v : null));
    }

    [Fact]
    public void Majority_committed_index_works_beyond_the_stack_buffer_size()
    {
        var ids = Enumerable.Range(1, 21).Select(i => (ulong)i).ToArray();
        Assert.Equal(11UL, new MajorityConfig(ids).CommittedIndex(id => id));
    }

    [Fact]
    public void Empty_majority_config_agrees_with_anything()
    {
        var empty = new MajorityConfig();
        Assert.Equal(ulong.MaxValue, empty.CommittedIndex(_ => 0));
        Assert.Equal(VoteResult.Won, empty.Vote(new Dictionary<ulong, bool>()));
    }

    // votes as "y"/"n"/"_" per voter (missing)
    [Theory]
    [InlineData("y", VoteResult.Won)]
    [InlineData("n", VoteResult.Lost)]
    [InlineData("_", VoteResult.Pending)]
    [InlineData("y_", VoteResult.Pending)]
    [InlineData("yy", VoteResult.Won)]
    [InlineData("yn", VoteResult.Lost)]
    [InlineData("y__", VoteResult.Pending)]
    [InlineData("yy_", VoteResult.Won)]
    [InlineData("yn_", VoteResult.Pending)]
    [InlineData("ynn", VoteResult.Lost)]
    [InlineData("yy__", VoteResult.Pending)]
    [InlineData("yyy_", VoteResult.Won)]
    [InlineData("yynn", VoteResult.Lost)]
    [InlineData("yyn__", VoteResult.Pending)]
    [InlineData("yynn_", VoteResult.Pending)]
    [InlineData("yynnn", VoteResult.Lost)]
    [InlineData("yyy__", VoteResult.Won)]
    public void Majority_vote_is_won_lost_or_pending(string votes, VoteResult expected)
    {
        var ids = Enumerable.Range(1, votes.Length).Select(i => (ulong)i).ToArray();
        Assert.Equal(expected, new MajorityConfig(ids).Vote(Votes(votes)));
    }

    [Fact]
    public void Majority_vote_ignores_votes_of_non_members()
    {
        var cfg = new MajorityConfig([1, 2, 3]);
        var votes = new Dictionary<ulong, bool> { [1] = true, [7] = true, [8] = true };
        Assert.Equal(VoteResult.Pending, cfg.Vote(votes));
    }

    // acknowledged: 1->9 2->8 3->7 4->4 5->1
    [Theory]
    [InlineData(new ulong[] { 1, 2, 3 }, new ulong[] { }, 8UL)] // not joint: incoming alone decides
    [InlineData(new ulong[] { 3, 4, 5 }, new ulong[] { }, 4UL)]
    [InlineData(new ulong[] { 3, 4, 5 }, new ulong[] { 3, 4, 5 }, 4UL)]
    [InlineData(new ulong[] { 1, 2, 3 }, new ulong[] { 3, 4, 5 }, 4UL)] // incoming says 8, outgoing 4
    [InlineData(new ulong[] { 3, 4, 5 }, new ulong[] { 1, 2, 3 }, 4UL)]
    public void Joint_committed_index_is_the_smaller_of_both_halves(ulong[] incoming, ulong[] outgoing, ulong expected)
    {
        var acked = new Dictionary<ulong, ulong> { [1] = 9, [2] = 8, [3] = 7, [4] = 4, [5] = 1 };
        var cfg = new JointConfig(new MajorityConfig(incoming), new MajorityConfig(outgoing));
        Assert.Equal(expected, cfg.CommittedIndex(id => acked.TryGetValue(id, out var v) ? v : null));
    }

    [Fact]
    public void Joint_committed_index_of_disjoint_halves_needs_both()
    {
        var acked = new Dictionary<ulong, ulong> { [1] = 9, [2] = 8, [3] = 7, [4] = 2, [5] = 1, [6] = 1 };
        var cfg = new JointConfig(new MajorityConfig([1, 2, 3]), new MajorityConfig([4, 5, 6]));
        Assert.Equal(1UL, cfg.CommittedIndex(id => acked[id]));
    }

    // votes for 1..5 ("y"/"n"/"_"); incoming (1 2 3), outgoing (3 4 5)
    [Theory]
    [InlineData("yyy__", VoteResult.Pending)] // incoming won, outgoing pending
    [InlineData("yyyy_", VoteResult.Won)]
    [InlineData("yynnn", VoteResult.Lost)]    // incoming won, outgoing lost
    [InlineData("nn___", VoteResult.Lost)]    // incoming lost, outgoing pending
    [InlineData("__yyy", VoteResult.Pending)] // outgoing won, incoming pending
    [InlineData("_____", VoteResult.Pending)]
    public void Joint_vote_is_won_only_when_both_halves_win(string votes, VoteResult expected)
    {
        var cfg = new JointConfig(new MajorityConfig([1, 2, 3]), new MajorityConfig([3, 4, 5]));
        Assert.Equal(expected, cfg.Vote(Votes(votes)));
    }

    [Fact]
    public void Non_joint_config_votes_like_its_incoming_half()
    {
        var cfg = new JointConfig(new MajorityConfig([1, 2, 3]), new MajorityConfig());
        Assert.False(cfg.IsJoint);
        Assert.Equal(VoteResult.Won, cfg.Vote(Votes("yy_")));
        Assert.Equal(VoteResult.Lost, cfg.Vote(Votes("nn_")));
        Assert.Equal([1UL, 2UL, 3UL], cfg.AllIds());
    }

    private static Dictionary<ulong, bool> Votes(string votes)
    {
        var map = new Dictionary<ulong, bool>();
        for (var i = 0; i < votes.Length; i++)
        {
            if (votes[i] != '_') map[(ulong)i + 1] = votes[i] == 'y';
        }
        return map;
    }
}
