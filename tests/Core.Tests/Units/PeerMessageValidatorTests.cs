using RaftActors.Core.Tests.Paper;
using RaftActors.Messages;

namespace RaftActors.Core.Tests.Units;

/// <summary>
/// <see cref="RawNode.Step"/> refuses what no correct peer sends, with <see cref="InvalidPeerMessageException"/>,
/// before the algorithm sees it: the node's state and its next Ready are exactly as if nothing had arrived.
/// </summary>
public sealed class PeerMessageValidatorTests
{
    private static readonly ulong[] Three = [1, 2, 3];

    public static TheoryData<string, RaftMessage> Invalid() => new()
    {
        { "local Hup", new RaftMessage { Type = MessageType.Hup, From = 2, To = 1, Term = 9 } },
        { "local Beat", new RaftMessage { Type = MessageType.Beat, From = 2, To = 1, Term = 9 } },
        { "local Unreachable", new RaftMessage { Type = MessageType.Unreachable, From = 2, To = 1, Term = 9 } },
        { "local SnapshotStatus", new RaftMessage { Type = MessageType.SnapshotStatus, From = 2, To = 1, Term = 9 } },
        { "local CheckQuorum", new RaftMessage { Type = MessageType.CheckQuorum, From = 2, To = 1, Term = 9 } },
        { "no sender", Msg.Heartbeat(0, 1, 9, 0) },
        { "from itself", Msg.Heartbeat(1, 1, 9, 0) },
        { "addressed to another node", Msg.Heartbeat(2, 3, 9, 0) },
        { "no term", Msg.Heartbeat(2, 1, 0, 0) },
        { "vote without term", Msg.Vote(2, 1, 0, 5, 5) },
        { "propose without entries", new RaftMessage { Type = MessageType.Propose, From = 2, To = 1 } },
        { "ReadIndex without context", new RaftMessage { Type = MessageType.ReadIndex, From = 2, To = 1 } },
        { "ReadIndex with two contexts", new RaftMessage { Type = MessageType.ReadIndex, From = 2, To = 1, Entries = [new Entry(0, 0), new Entry(0, 0)] } },
        { "ReadIndexResponse without context", new RaftMessage { Type = MessageType.ReadIndexResponse, From = 2, To = 1, Term = 9, Index = 3 } },
        { "snapshot without snapshot", new RaftMessage { Type = MessageType.Snapshot, From = 2, To = 1, Term = 9 } },
        { "empty snapshot", new RaftMessage { Type = MessageType.Snapshot, From = 2, To = 1, Term = 9, Snapshot = Snapshot.Empty } },
        { "append with a gap", Msg.Append(2, 1, 9, 0, 0, 0, 9) with { Entries = [new Entry(9, 2)] } },
        { "append not after prev", Msg.Append(2, 1, 9, 3, 1, 0) with { Entries = [new Entry(9, 3)] } },
        { "append of a later term", Msg.Append(2, 1, 9, 0, 0, 0, 10) },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Step_refuses_a_malformed_peer_message_and_changes_nothing(string why, RaftMessage m)
    {
        var n = PaperNode.Create(1, Three, logTerms: [1, 1], term: 1);
        n.Drain();
        var before = n.Raw.Status();
        var ex = Assert.Throws<InvalidPeerMessageException>(() => n.Step(m));
        Assert.False(string.IsNullOrEmpty(ex.Message), why);
        Assert.False(n.Raw.HasReady(), $"{why}: the refused message left something to do");
        Assert.Equal(before, n.Raw.Status() with { Progress = before.Progress });
        Assert.Equal(2UL, n.Raw.LastIndex);
    }

    [Fact]
    public void Refusing_a_message_on_a_leader_changes_nothing()
    {
        var n = PaperNode.Create(1, Three);
        n.BecomeLeader(2);
        var term = n.Term;
        Assert.Throws<InvalidPeerMessageException>(() => n.Step(new RaftMessage { Type = MessageType.CheckQuorum, From = 2, To = 1, Term = term }));
        Assert.Throws<InvalidPeerMessageException>(() => n.Step(Msg.Append(2, 1, term + 1, 0, 0, 0, term + 2)));
        Assert.Equal((StateRole.Leader, term), (n.Role, n.Term));
        Assert.False(n.Raw.HasReady());
    }

    [Fact]
    public void Forwarded_proposal_without_a_term_is_accepted()
    {
        var n = PaperNode.Create(1, Three);
        n.BecomeLeader(2);
        n.Step(new RaftMessage { Type = MessageType.Propose, From = 2, To = 1, Entries = [new Entry(0, 0, EntryType.Normal, [1])] });
        Assert.Equal(2UL, n.Raw.LastIndex); // the no-op, then the forwarded command
    }

    [Fact]
    public void Response_from_a_non_member_is_ignored()
    {
        var n = PaperNode.Create(1, Three);
        n.Raw.Campaign();
        n.Drain();
        n.Step(Msg.VoteResponse(7, 1, 1));
        n.Step(Msg.VoteResponse(8, 1, 1));
        Assert.Equal(StateRole.Candidate, n.Role);
    }
}
