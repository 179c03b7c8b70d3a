using RaftActors.Messages;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Paper;

/// <summary>
/// Raft paper §5.4, "Safety". §5.4.1, the election restriction: a voter refuses a candidate whose log is
/// less up to date than its own (compare the last entries' terms, then the lengths), so a leader holds
/// every committed entry. §5.4.2, committing entries from previous terms: a leader counts replicas only
/// for entries of its own term; an older entry is committed indirectly, when an entry of the current term
/// after it is (figure 8). Pre-vote and check-quorum are off, except where a whole cluster is simulated and
/// the rule under test holds with them on too (said at the test).
/// </summary>
public sealed class SafetyTests
{
    private static readonly ulong[] Three = [1, 2, 3];

    // Voter's log is 1 2 (last term 2, last index 2).
    [Theory]
    [InlineData(1UL, 1UL)] // lower last term, shorter
    [InlineData(1UL, 5UL)] // lower last term, longer: the term decides first
    [InlineData(2UL, 1UL)] // same last term, shorter
    [InlineData(0UL, 0UL)] // empty log
    public void Vote_is_refused_to_candidate_with_less_up_to_date_log(ulong lastTerm, ulong lastIndex)
    {
        var n = PaperNode.Create(1, Three, logTerms: [1, 2], term: 2);
        var response = Assert.Single(n.StepAndDrain(Msg.Vote(2, 1, 3, lastIndex, lastTerm)));
        Assert.True(response.Reject);
        Assert.Equal(0UL, n.Vote);
    }

    [Theory]
    [InlineData(2UL, 2UL)] // identical
    [InlineData(2UL, 3UL)] // same last term, longer
    [InlineData(3UL, 1UL)] // higher last term, shorter: the term decides first
    public void Vote_is_granted_to_candidate_with_at_least_as_up_to_date_log(ulong lastTerm, ulong lastIndex)
    {
        var n = PaperNode.Create(1, Three, logTerms: [1, 2], term: 2);
        var response = Assert.Single(n.StepAndDrain(Msg.Vote(2, 1, 3, lastIndex, lastTerm)));
        Assert.False(response.Reject);
        Assert.Equal(2UL, n.Vote);
    }

    [Fact]
    public void Refusing_a_vote_for_an_old_log_still_adopts_the_candidates_term()
    {
        var n = PaperNode.Create(1, Three, logTerms: [1, 2], term: 2);
        Assert.True(Assert.Single(n.StepAndDrain(Msg.Vote(2, 1, 7, 1, 1))).Reject);
        Assert.Equal(7UL, n.Term);
        // Having not voted in term 7, the node may still vote for a better candidate of that term.
        Assert.False(Assert.Single(n.StepAndDrain(Msg.Vote(3, 1, 7, 2, 2))).Reject);
    }

    [Fact]
    public void Node_missing_a_committed_entry_cannot_become_leader()
    {
        // Simulated 3 nodes, pre-vote and check-quorum off: with them, node 2 would ignore node 3 for another
        // reason (its leader is live), and the election restriction would not be what is tested.
        var cluster = new SimulatedCluster(seed: 11, new SimulatedClusterOptions { PreVote = false, CheckQuorum = false });
        cluster.AddNodes(3);
        cluster.Campaign(1);
        cluster.Isolate(3);
        Assert.Equal(ProposeResult.Accepted, cluster.Propose(1, "x=1"));
        cluster.Stabilize();
        var committed = cluster[1].Raft.CommitIndex;
        Assert.Equal(committed, cluster[2].Raft.CommitIndex);
        Assert.True(cluster[3].Raft.LastIndex < committed);
        // Node 1 goes away; 3 (behind) can reach 2 but must never win: 2 refuses it every time.
        cluster.Heal();
        cluster.Isolate(1);
        for (var i = 0; i < 20; i++)
        {
            cluster[3].Raft.Campaign();
            cluster.Stabilize();
            Assert.NotEqual(StateRole.Leader, cluster[3].Raft.Role);
        }
        Assert.True(cluster.RunUntil(() => cluster[2].Raft.Role == StateRole.Leader, 200), "node 2 never took over");
        Assert.True(cluster[3].Raft.LastIndex >= committed, "the new leader did not bring node 3 up to date");
    }

    // Leader of term 3 whose log holds 1/1 and 2/2 from earlier terms, then its own no-op 3/3.
    [Theory]
    [InlineData(1UL, 0UL)]
    [InlineData(2UL, 0UL)] // a majority holds the term-2 entry, yet it is not committed by counting
    [InlineData(3UL, 3UL)] // the term-3 no-op is: and with it everything before
    public void Leader_commits_only_entries_of_its_own_term_by_counting_replicas(ulong followerMatch, ulong expectedCommit)
    {
        var n = PaperNode.Create(1, Three, logTerms: [1, 2], term: 2);
        n.BecomeLeader(2);
        Assert.Equal(3UL, n.Term);
        n.Step(Msg.AppendResponse(2, 1, 3, followerMatch));
        var drained = n.Drain();
        Assert.Equal(expectedCommit, n.Commit);
        Assert.Equal(expectedCommit == 0 ? [] : new ulong[] { 1, 2, 3 }, drained.CommittedEntries.Select(e => e.Index));
    }

    /// <summary>
    /// Figure 8: S1 led term 2 and replicated 2/2 to S2 only; S5 led term 3 with 3/2 of its own; now S1 leads
    /// term 4 and brings S3 up to date with 2/2 (a majority: S1 S2 S3). Counting replicas would commit 2/2 —
    /// yet S5 can still be elected (by S2 S3 S4, its last term 3 beats their 2) and overwrite it. So S1 must
    /// not commit index 2 until an entry of term 4 is on a majority.
    /// </summary>
    [Fact]
    public void Entry_of_a_previous_term_on_a_majority_is_not_committed_until_one_of_the_current_term_is()
    {
        ulong[] five = [1, 2, 3, 4, 5];
        var s1 = PaperNode.Create(1, five, logTerms: [1, 2], term: 3);
        s1.BecomeLeader(2, 3);
        Assert.Equal(4UL, s1.Term);
        // S2 and S3 acknowledge index 2 (the old entry) but have not yet got the term-4 no-op at index 3.
        s1.Step(Msg.AppendResponse(2, 1, 4, 2));
        s1.Step(Msg.AppendResponse(3, 1, 4, 2));
        s1.Drain();
        Assert.Equal(0UL, s1.Commit);
        // S5's log wins the election restriction against the voters holding 2/2 (figure 8 (d)).
        var s3 = PaperNode.Create(3, five, logTerms: [1, 2], term: 4);
        Assert.False(Assert.Single(s3.StepAndDrain(Msg.Vote(5, 3, 5, 2, 3))).Reject);
        // Once the term-4 entry is on a majority, both commit together (figure 8 (e)).
        s1.Step(Msg.AppendResponse(2, 1, 4, 3));
        s1.Step(Msg.AppendResponse(3, 1, 4, 3));
        Assert.Equal([1UL, 2UL, 3UL], s1.Drain().CommittedEntries.Select(e => e.Index));
    }

    [Fact]
    public void Follower_keeps_its_committed_entries_when_an_append_starts_below_its_commit_index()
    {
        var n = PaperNode.Create(2, Three, logTerms: [1, 1, 1], term: 1, commit: 3);
        // A delayed append from before the commit: its entries are already held; the answer says how far.
        var reply = Assert.Single(n.StepAndDrain(Msg.Append(1, 2, 1, 1, 1, 1, 1)));
        Assert.Equal((false, 3UL), (reply.Reject, reply.Index));
        Assert.Equal([1UL, 1UL, 1UL], n.LogTerms());
        Assert.Equal(3UL, n.Commit);
    }
}
