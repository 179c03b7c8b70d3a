using RaftActors.Messages;

namespace RaftActors.Core.Tests.Paper;

/// <summary>
/// Raft paper §5.1, "Raft basics": every server is a follower, a candidate or a leader; time is divided
/// into terms; servers exchange current terms on every RPC, adopt a larger one and revert to follower,
/// and reject (here: ignore) a request with a stale term. Pre-vote and check-quorum are off: with them
/// a stale append is answered (so that a partitioned leader learns the newer term), which is an extension.
/// </summary>
public sealed class TermsAndRolesTests
{
    private static readonly ulong[] Three = [1, 2, 3];

    [Fact]
    public void Node_starts_as_follower_with_no_leader()
    {
        var n = PaperNode.Create(1, Three);
        Assert.Equal(StateRole.Follower, n.Role);
        Assert.Equal(0UL, n.Raw.Leader);
        Assert.Equal(0UL, n.Term);
    }

    [Fact]
    public void Node_restarts_in_the_term_it_persisted()
    {
        var n = PaperNode.Create(1, Three, logTerms: [1, 2], term: 5, vote: 3);
        Assert.Equal(5UL, n.Term);
        Assert.Equal(3UL, n.Vote);
        Assert.Equal(StateRole.Follower, n.Role);
    }

    public static TheoryData<StateRole, MessageType> HigherTermCases()
    {
        var data = new TheoryData<StateRole, MessageType>();
        foreach (var role in new[] { StateRole.Follower, StateRole.Candidate, StateRole.Leader })
        {
            foreach (var type in new[] { MessageType.Append, MessageType.Heartbeat, MessageType.Vote, MessageType.AppendResponse, MessageType.VoteResponse })
            {
                data.Add(role, type);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(HigherTermCases))]
    public void Node_that_sees_higher_term_becomes_follower(StateRole role, MessageType type)
    {
        var n = InRole(role);
        var before = n.Term;
        n.Step(new RaftMessage { Type = type, From = 2, To = 1, Term = before + 3, Index = 0, LogTerm = 0 });
        n.Drain();
        Assert.Equal(before + 3, n.Term);
        Assert.Equal(StateRole.Follower, n.Role);
        // Only a message from the leader of the new term says who leads it.
        var expectedLeader = type is MessageType.Append or MessageType.Heartbeat ? 2UL : 0UL;
        Assert.Equal(expectedLeader, n.Raw.Leader);
    }

    [Fact]
    public void Adopting_a_higher_term_forgets_the_vote_of_the_old_term()
    {
        var n = PaperNode.Create(1, Three);
        n.Raw.Campaign();
        n.Drain();
        Assert.Equal(1UL, n.Vote);
        n.Step(Msg.Heartbeat(2, 1, 5, 0));
        var hs = n.Drain().LastHardState;
        Assert.Equal(new HardState(5, 0, 0), hs);
    }

    [Theory]
    [InlineData(MessageType.Append)]
    [InlineData(MessageType.Heartbeat)]
    [InlineData(MessageType.Vote)]
    [InlineData(MessageType.AppendResponse)]
    [InlineData(MessageType.VoteResponse)]
    public void Node_ignores_a_message_with_a_stale_term(MessageType type)
    {
        // Node 1 is a candidate at term 3 with two entries; anything at term 2 must leave it exactly as it is.
        var n = PaperNode.Create(1, Three, logTerms: [1, 2], term: 2);
        n.Raw.Campaign();
        n.Drain();
        Assert.Equal(3UL, n.Term);
        var stale = new RaftMessage
        {
            Type = type, From = 2, To = 1, Term = 2, Index = 2, LogTerm = 2, Commit = 2,
            Entries = type == MessageType.Append ? [new Entry(2, 3)] : [],
        };
        n.Step(stale);
        var drained = n.Drain();
        Assert.Empty(drained.AllMessages);
        Assert.Equal(StateRole.Candidate, n.Role);
        Assert.Equal(3UL, n.Term);
        Assert.Equal(0UL, n.Raw.Leader);
        Assert.Equal(2UL, n.Raw.LastIndex);
        Assert.Equal(0UL, n.Commit);
    }

    [Fact]
    public void Every_outgoing_message_carries_the_senders_current_term()
    {
        var n = PaperNode.Create(1, Three, term: 4);
        n.BecomeLeader(2);
        n.Raw.Propose([1]);
        n.Tick(PaperNode.HeartbeatTick);
        var messages = n.Drain().AllMessages;
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.Equal(5UL, m.Term));
    }

    /// <summary>A node of the given role at term 1 (leader/candidate) or term 1 follower of node 2.</summary>
    private static PaperNode InRole(StateRole role)
    {
        var n = PaperNode.Create(1, Three);
        switch (role)
        {
            case StateRole.Follower:
                n.Step(Msg.Heartbeat(2, 1, 1, 0));
                break;
            case StateRole.Candidate:
                n.Raw.Campaign();
                break;
            case StateRole.Leader:
                n.BecomeLeader(2);
                break;
        }
        n.Drain();
        Assert.Equal(role, n.Role);
        return n;
    }
}
