using RaftActors.Core.Tests.Paper;
using RaftActors.Messages;

namespace RaftActors.Core.Tests.Units;

/// <summary>
/// The Ready contract: what may leave at once (<see cref="Ready.Messages"/>) and what only after this Ready
/// is durable (<see cref="Ready.PersistedMessages"/>: votes and acknowledgements, which promise durability);
/// when the write must be synchronous; and one Ready at a time.
/// </summary>
public sealed class ReadyContractTests
{
    private static readonly ulong[] Three = [1, 2, 3];

    [Fact]
    public void Vote_response_waits_for_the_vote_to_be_persisted()
    {
        var n = PaperNode.Create(1, Three);
        n.Step(Msg.Vote(2, 1, 1, 0, 0));
        var rd = n.Raw.GetReady();
        Assert.Empty(rd.Messages);
        var response = Assert.Single(rd.PersistedMessages);
        Assert.Equal(MessageType.VoteResponse, response.Type);
        Assert.Equal(new HardState(1, 2, 0), rd.HardState);
        Assert.True(rd.MustSync);
    }

    [Fact]
    public void Candidate_vote_requests_wait_for_its_own_vote_to_be_persisted()
    {
        var n = PaperNode.Create(1, Three);
        n.Raw.Campaign();
        var rd = n.Raw.GetReady();
        Assert.Empty(rd.Messages);
        Assert.Equal([2UL, 3UL], rd.PersistedMessages.Where(m => m.Type == MessageType.Vote).Select(m => m.To).Order());
        Assert.Equal(new HardState(1, 1, 0), rd.HardState);
        Assert.True(rd.MustSync);
    }

    [Fact]
    public void Pre_vote_requests_may_leave_at_once()
    {
        // A pre-vote promises nothing and changes no durable state.
        var n = PaperNode.Create(1, Three, configure: c => new RaftConfig { Id = c.Id, Storage = c.Storage, PreVote = true, CheckQuorum = false });
        n.Raw.Campaign();
        var rd = n.Raw.GetReady();
        Assert.Equal([2UL, 3UL], rd.Messages.Where(m => m.Type == MessageType.PreVote).Select(m => m.To).Order());
        Assert.Empty(rd.PersistedMessages);
        Assert.False(rd.MustSync);
    }

    [Fact]
    public void Append_response_waits_for_the_entries_to_be_persisted()
    {
        var n = PaperNode.Create(2, Three, term: 1);
        n.Step(Msg.Append(1, 2, 1, 0, 0, 0, 1, 1));
        var rd = n.Raw.GetReady();
        Assert.Equal(2, rd.Entries.Count);
        Assert.Empty(rd.Messages);
        Assert.Equal(MessageType.AppendResponse, Assert.Single(rd.PersistedMessages).Type);
        Assert.True(rd.MustSync);
    }

    [Fact]
    public void Rejection_and_heartbeat_responses_also_wait_for_persistence()
    {
        var n = PaperNode.Create(2, Three, term: 1);
        n.Step(Msg.Append(1, 2, 1, 5, 1, 0, 1));
        n.Step(Msg.Heartbeat(1, 2, 1, 0));
        var rd = n.Raw.GetReady();
        Assert.Empty(rd.Messages);
        Assert.Equal([MessageType.AppendResponse, MessageType.HeartbeatResponse], rd.PersistedMessages.Select(m => m.Type));
    }

    [Fact]
    public void Leader_appends_may_leave_before_its_own_entries_are_persisted()
    {
        // Thesis §10.2.1: the leader writes its log in parallel with replication; it counts itself only once persisted.
        var n = PaperNode.Create(1, Three);
        n.BecomeLeader(2);
        n.Step(Msg.AppendResponse(2, 1, 1, 1));
        n.Step(Msg.AppendResponse(3, 1, 1, 1));
        n.Drain();
        n.Raw.Propose("x"u8.ToArray());
        var rd = n.Raw.GetReady();
        Assert.Single(rd.Entries);
        Assert.Equal([2UL, 3UL], rd.Messages.Where(m => m.Type == MessageType.Append).Select(m => m.To).Order());
        Assert.Empty(rd.PersistedMessages);
        Assert.True(rd.MustSync);
    }

    [Fact]
    public void Commit_index_alone_does_not_require_a_synchronous_write()
    {
        var n = PaperNode.Create(2, Three, logTerms: [1, 1], term: 1);
        n.Step(Msg.Heartbeat(1, 2, 1, 0)); // learn the leader (no durable change)
        n.Drain();
        n.Step(Msg.Heartbeat(1, 2, 1, 2));
        var rd = n.Raw.GetReady();
        Assert.Equal(new HardState(1, 0, 2), rd.HardState);
        Assert.Empty(rd.Entries);
        Assert.False(rd.MustSync);
        Assert.Equal(2, rd.CommittedEntries.Count);
    }

    [Fact]
    public void Ready_with_a_snapshot_must_sync()
    {
        // The answer to a snapshot (an AppendResponse at its index) promises the snapshot is durable.
        var n = PaperNode.Create(2, Three, term: 1);
        n.Step(new RaftMessage
        {
            Type = MessageType.Snapshot, From = 1, To = 2, Term = 1,
            Snapshot = new Snapshot(new SnapshotMetadata(5, 1, new ConfState(Three)), [1, 2, 3]),
        });
        var rd = n.Raw.GetReady();
        Assert.NotNull(rd.Snapshot);
        Assert.Equal(MessageType.AppendResponse, Assert.Single(rd.PersistedMessages).Type);
        Assert.True(rd.MustSync);
    }

    [Fact]
    public void Changed_term_requires_a_synchronous_write()
    {
        var n = PaperNode.Create(2, Three);
        n.Step(Msg.Heartbeat(1, 2, 3, 0));
        var rd = n.Raw.GetReady();
        Assert.Equal(new HardState(3, 0, 0), rd.HardState);
        Assert.True(rd.MustSync);
    }

    [Fact]
    public void GetReady_twice_without_Advance_throws()
    {
        var n = PaperNode.Create(1, Three);
        n.Raw.Campaign();
        var rd = n.Raw.GetReady();
        Assert.Throws<InvalidOperationException>(() => n.Raw.GetReady());
        n.Raw.Advance(rd);
        Assert.False(n.Raw.HasReady());
    }

    [Fact]
    public void Advance_with_a_Ready_other_than_the_latest_throws()
    {
        var n = PaperNode.Create(1, Three);
        n.Raw.Campaign();
        var first = n.Raw.GetReady();
        n.Raw.Advance(first);
        n.Step(Msg.VoteResponse(2, 1, 1));
        var second = n.Raw.GetReady();
        Assert.Throws<InvalidOperationException>(() => n.Raw.Advance(first));
        Assert.Throws<InvalidOperationException>(() => n.Raw.Advance(new Ready()));
        n.Raw.Advance(second);
    }

    [Fact]
    public void Messages_and_entries_are_handed_out_once()
    {
        var n = PaperNode.Create(1, Three);
        n.Raw.Campaign();
        var rd = n.Raw.GetReady();
        n.Storage.SetHardState(rd.HardState!.Value);
        n.Raw.Advance(rd);
        Assert.False(n.Raw.HasReady());
        n.Step(Msg.VoteResponse(2, 1, 1));
        var next = n.Raw.GetReady();
        Assert.DoesNotContain(next.PersistedMessages, m => m.Type == MessageType.Vote);
        Assert.Equal(StateRole.Leader, next.SoftState?.Role);
        Assert.Single(next.Entries); // only the new no-op
    }

    [Fact]
    public void Committed_entries_are_applied_once()
    {
        var n = PaperNode.Create(2, Three, term: 1);
        n.StepAndDrain(Msg.Append(1, 2, 1, 0, 0, 2, 1, 1));
        Assert.Equal([1UL, 2UL], n.Applied.Select(e => e.Index));
        n.StepAndDrain(Msg.Heartbeat(1, 2, 1, 2));
        Assert.Equal([1UL, 2UL], n.Applied.Select(e => e.Index));
        Assert.Equal(2UL, n.Raw.AppliedIndex);
    }
}
