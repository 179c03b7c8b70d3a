using System.Reflection;
using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.Core.Tests.Units;

/// <summary>
/// <see cref="RaftConfig.CheckInvariants"/>: after every step the core checks its cursors, its term and vote,
/// and that a leader's log never shrinks, and throws <see cref="RaftInvariantException"/> (fail-stop) when one
/// breaks. The state is corrupted here by hand, the way a bug would, to see the checker catch it.
/// </summary>
public sealed class InvariantCheckerTests
{
    private static Raft New(bool check = true)
    {
        var storage = MemoryStorage.WithVoters(1, 2, 3);
        storage.Append([new Entry(1, 1), new Entry(1, 2), new Entry(1, 3)]);
        storage.SetHardState(new HardState(1, 0, 0));
        return new Raft(new RaftConfig { Id = 1, Storage = storage, PreVote = false, CheckQuorum = false, CheckInvariants = check });
    }

    private static RaftMessage Heartbeat(ulong term, ulong commit = 0) =>
        new() { Type = MessageType.Heartbeat, From = 2, To = 1, Term = term, Commit = commit };

    [Fact]
    public void Term_going_backwards_is_caught()
    {
        var r = New();
        r.Step(Heartbeat(5));
        r.BecomeFollower(4, 0);
        var ex = Assert.Throws<RaftInvariantException>(() => r.Step(Heartbeat(4)));
        Assert.Contains("term went backwards", ex.Message);
    }

    [Fact]
    public void Vote_changing_within_a_term_is_caught()
    {
        var r = New();
        r.Step(new RaftMessage { Type = MessageType.Vote, From = 2, To = 1, Term = 2, Index = 3, LogTerm = 1 });
        Assert.Equal(2UL, r.Vote);
        typeof(Raft).GetProperty(nameof(Raft.Vote), BindingFlags.Instance | BindingFlags.Public)!.SetValue(r, 3UL);
        var ex = Assert.Throws<RaftInvariantException>(() => r.Step(Heartbeat(2)));
        Assert.Contains("vote changed", ex.Message);
    }

    [Fact]
    public void Commit_beyond_the_last_index_is_caught()
    {
        var r = New();
        r.Step(Heartbeat(1, commit: 3));
        Assert.Equal(3UL, r.Log.Committed);
        // Lose the tail under the commit index (what a journal that dropped synced entries would do).
        r.Log.Unstable.TruncateAndAppend([new Entry(1, 2)]);
        var ex = Assert.Throws<RaftInvariantException>(() => r.Step(Heartbeat(1)));
        Assert.Contains("cursors out of order", ex.Message);
    }

    [Fact]
    public void Leader_log_shrinking_is_caught()
    {
        var r = New();
        r.Step(new RaftMessage { Type = MessageType.Hup, From = 1 });
        r.Step(new RaftMessage { Type = MessageType.VoteResponse, From = 2, To = 1, Term = 2 });
        Assert.Equal(StateRole.Leader, r.Role);
        Assert.Equal(4UL, r.Log.LastIndex());
        // Restart the unstable tail at index 3 with one entry: the leader's no-op at 4 is gone.
        r.Log.Unstable.TruncateAndAppend([new Entry(1, 3)]);
        Assert.Equal(3UL, r.Log.LastIndex());
        var ex = Assert.Throws<RaftInvariantException>(() => r.Step(new RaftMessage { Type = MessageType.Beat, From = 1 }));
        Assert.Contains("leader log shrank", ex.Message);
    }

    [Fact]
    public void With_checks_off_the_same_corruption_goes_unnoticed()
    {
        var r = New(check: false);
        r.Step(Heartbeat(5));
        r.BecomeFollower(4, 0);
        r.Step(Heartbeat(4));
        Assert.Equal(4UL, r.Term);
    }

    [Fact]
    public void Hard_state_commit_beyond_the_stored_log_is_refused_at_start()
    {
        var storage = MemoryStorage.WithVoters(1, 2, 3);
        storage.Append([new Entry(1, 1)]);
        storage.SetHardState(new HardState(1, 0, 5));
        Assert.Throws<RaftInvariantException>(() => new RawNode(new RaftConfig { Id = 1, Storage = storage }));
    }

    [Fact]
    public void Invariants_are_on_by_default_in_debug_builds()
    {
#if DEBUG
        Assert.True(new RaftConfig { Id = 1, Storage = new MemoryStorage() }.CheckInvariants);
#else
        Assert.False(new RaftConfig { Id = 1, Storage = new MemoryStorage() }.CheckInvariants);
#endif
    }
}
