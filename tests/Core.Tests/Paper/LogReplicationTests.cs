using RaftActors.Messages;

namespace RaftActors.Core.Tests.Paper;

/// <summary>
/// Raft paper §5.3, "Log replication": the leader appends a command to its log and sends AppendEntries to
/// every follower; an entry is committed once the leader has replicated it on a majority, which also commits
/// every preceding entry; followers apply committed entries in order. The consistency check: a follower
/// refuses entries unless it holds an entry with the leader's previous index and term; on a conflict it
/// deletes its entry and all that follow, then appends the leader's; the leader backs its nextIndex off
/// until the logs match and never deletes or overwrites its own entries.
/// Pre-vote and check-quorum are off.
/// </summary>
public sealed class LogReplicationTests
{
    private static readonly ulong[] Three = [1, 2, 3];
    private static readonly ulong[] Five = [1, 2, 3, 4, 5];

    [Fact]
    public void Leader_appends_a_proposal_in_its_term_and_sends_it_to_every_follower()
    {
        var n = PaperNode.Create(1, Three);
        n.BecomeLeader(2);
        Ack(n, 1, 2, 3); // the no-op is committed; followers are in Replicate
        n.Raw.Propose("x"u8.ToArray());
        var drained = n.Drain();
        var entry = Assert.Single(drained.Entries);
        Assert.Equal((1UL, 2UL, "x"), (entry.Term, entry.Index, System.Text.Encoding.UTF8.GetString(entry.Data)));
        var appends = drained.AllMessages.Where(m => m.Type == MessageType.Append).ToList();
        Assert.Equal([2UL, 3UL], appends.Select(m => m.To).Order());
        Assert.All(appends, m =>
        {
            Assert.Equal((1UL, 1UL, 1UL, 1UL), (m.Term, m.Index, m.LogTerm, m.Commit));
            Assert.Equal([entry], m.Entries);
        });
        Assert.Empty(drained.CommittedEntries);
    }

    [Theory]
    [InlineData(3, new ulong[] { }, false)]
    [InlineData(3, new ulong[] { 2 }, true)]
    [InlineData(5, new ulong[] { 2 }, false)]
    [InlineData(5, new ulong[] { 2, 3 }, true)]
    [InlineData(5, new ulong[] { 4, 5 }, true)]
    public void Leader_commits_an_entry_once_a_majority_has_replicated_it(int size, ulong[] acks, bool committed)
    {
        var ids = Enumerable.Range(1, size).Select(i => (ulong)i).ToArray();
        var n = PaperNode.Create(1, ids);
        n.BecomeLeader(ids.Skip(1).Take(size / 2).ToArray());
        Ack(n, 1, ids.Skip(1).ToArray());
        n.Raw.Propose("x"u8.ToArray());
        n.Drain();
        foreach (var id in acks) n.Step(Msg.AppendResponse(id, 1, 1, 2));
        var drained = n.Drain();
        Assert.Equal(committed ? 2UL : 1UL, n.Commit);
        var expected = committed ? new ulong[] { 2 } : [];
        Assert.Equal(expected, drained.CommittedEntries.Select(e => e.Index));
        if (committed)
        {
            // The followers learn the new commit index from the leader's next appends.
            var news = drained.AllMessages.Where(m => m.Type == MessageType.Append).Select(m => m.To).Order();
            Assert.Equal(ids.Skip(1), news);
            Assert.All(drained.AllMessages.Where(m => m.Type == MessageType.Append), m => Assert.Equal(2UL, m.Commit));
        }
    }

    [Fact]
    public void Committing_an_entry_commits_every_entry_before_it()
    {
        var n = PaperNode.Create(1, Three);
        n.BecomeLeader(2);
        n.Raw.Propose("a"u8.ToArray());
        n.Raw.Propose("b"u8.ToArray());
        n.Raw.Propose("c"u8.ToArray());
        n.Drain();
        Assert.Equal(0UL, n.Commit);
        n.Step(Msg.AppendResponse(2, 1, 1, 4));
        var applied = n.Drain().CommittedEntries;
        Assert.Equal([1UL, 2UL, 3UL, 4UL], applied.Select(e => e.Index));
        Assert.Equal(4UL, n.Commit);
    }

    [Theory]
    [InlineData(1UL, 2UL)] // follower has term 1 at index 1
    [InlineData(2UL, 3UL)] // follower has term 2 at index 2
    [InlineData(3UL, 2UL)] // follower has no entry 3
    [InlineData(4UL, 3UL)]
    public void Follower_rejects_append_with_mismatched_prev_term(ulong prevIndex, ulong prevTerm)
    {
        var n = PaperNode.Create(2, Three, logTerms: [1, 2], term: 3);
        var response = Assert.Single(n.StepAndDrain(Msg.Append(1, 2, 3, prevIndex, prevTerm, 0, 3)));
        Assert.Equal(MessageType.AppendResponse, response.Type);
        Assert.True(response.Reject);
        Assert.Equal(prevIndex, response.Index);
        Assert.Equal([1UL, 2UL], n.LogTerms());
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(2UL, 2UL)]
    public void Follower_accepts_append_whose_prev_entry_matches(ulong prevIndex, ulong prevTerm)
    {
        var n = PaperNode.Create(2, Three, logTerms: [1, 2], term: 3);
        var response = Assert.Single(n.StepAndDrain(Msg.Append(1, 2, 3, prevIndex, prevTerm, 0, 3)));
        Assert.False(response.Reject);
        Assert.Equal(prevIndex + 1, response.Index);
        Assert.Equal(3UL, n.LogTerms()[(int)prevIndex]);
    }

    [Theory]
    // prev, prevTerm, entries          -> follower log afterwards (follower starts with 1 2 3)
    [InlineData(2UL, 2UL, new ulong[] { 3 }, new ulong[] { 1, 2, 3 })]       // a duplicate changes nothing
    [InlineData(3UL, 3UL, new ulong[] { 4 }, new ulong[] { 1, 2, 3, 4 })]    // new entries are appended
    [InlineData(1UL, 1UL, new ulong[] { 4 }, new ulong[] { 1, 4 })]          // conflict at 2: 2 and 3 go
    [InlineData(0UL, 0UL, new ulong[] { 1, 1, 4 }, new ulong[] { 1, 1, 4 })] // conflict at 2, matching 1 kept
    [InlineData(0UL, 0UL, new ulong[] { 1 }, new ulong[] { 1, 2, 3 })]       // an old, shorter append truncates nothing
    public void Follower_deletes_conflicting_suffix_and_appends_leader_entries(ulong prev, ulong prevTerm, ulong[] entries, ulong[] expected)
    {
        var n = PaperNode.Create(2, Three, logTerms: [1, 2, 3], term: 4);
        var response = Assert.Single(n.StepAndDrain(Msg.Append(1, 2, 4, prev, prevTerm, 0, entries)));
        Assert.False(response.Reject);
        Assert.Equal(expected, n.LogTerms());
    }

    [Theory]
    // leaderCommit, entries after prev 1/1 -> follower commit (follower log: 1 1 1, the append carries 2 entries)
    [InlineData(1UL, 1UL)]
    [InlineData(3UL, 3UL)]
    [InlineData(5UL, 3UL)] // capped by the last new entry, even though the follower's log is longer than the append
    public void Follower_advances_commit_to_min_of_leader_commit_and_last_new_entry(ulong leaderCommit, ulong expected)
    {
        var n = PaperNode.Create(2, Three, logTerms: [1, 1, 1, 1, 1], term: 1);
        n.StepAndDrain(Msg.Append(1, 2, 1, 1, 1, leaderCommit, 1, 1));
        Assert.Equal(expected, n.Commit);
    }

    [Fact]
    public void Follower_applies_committed_entries_in_log_order()
    {
        var n = PaperNode.Create(2, Three);
        n.StepAndDrain(Msg.Append(1, 2, 1, 0, 0, 0, 1, 1, 1));
        n.StepAndDrain(Msg.Append(1, 2, 1, 3, 1, 2));
        Assert.Equal([1UL, 2UL], n.Applied.Select(e => e.Index));
        n.StepAndDrain(Msg.Append(1, 2, 1, 3, 1, 3));
        Assert.Equal([1UL, 2UL, 3UL], n.Applied.Select(e => e.Index));
    }

    [Fact]
    public void Leader_backs_off_next_index_when_a_follower_rejects()
    {
        // Leader log 1 1 2 2 (+ its no-op of term 3 at 5); the follower's log ends at index 2.
        var n = PaperNode.Create(1, Three, logTerms: [1, 1, 2, 2], term: 2);
        n.BecomeLeader(3);
        // The first probe (prev 4/2) went out with BecomeLeader; the follower refuses it, prev 4 is beyond its log.
        var retry = n.StepAndDrain(new RaftMessage
        {
            Type = MessageType.AppendResponse, From = 2, To = 1, Term = 3, Index = 4, Reject = true, RejectHint = 2, LogTerm = 1,
        });
        var append = Assert.Single(retry, m => m.Type == MessageType.Append && m.To == 2);
        Assert.Equal((2UL, 1UL), (append.Index, append.LogTerm));
        Assert.Equal([2UL, 2UL, 3UL], append.Entries.Select(e => e.Term));
    }

    /// <summary>
    /// Figure 7 of the paper: a leader of term 8 and six followers whose logs are missing entries (a, b),
    /// hold extra uncommitted entries (c, d), or both (e, f). Whatever the follower holds, the leader's
    /// consistency check and backoff bring its log to exactly the leader's.
    /// </summary>
    [Theory]
    [InlineData(new ulong[] { 1, 1, 1, 4, 4, 5, 5, 6, 6 })]
    [InlineData(new ulong[] { 1, 1, 1, 4 })]
    [InlineData(new ulong[] { 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6 })]
    [InlineData(new ulong[] { 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7 })]
    [InlineData(new ulong[] { 1, 1, 1, 4, 4, 4, 4 })]
    [InlineData(new ulong[] { 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3 })]
    public void Leader_brings_every_follower_log_into_agreement_with_its_own(ulong[] followerLog)
    {
        ulong[] leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
        var leader = PaperNode.Create(1, Three, logTerms: leaderLog, term: 7);
        var follower = PaperNode.Create(2, Three, logTerms: followerLog, term: 7);
        // Node 3 (not simulated) votes for the leader; node 2 may refuse, its log can be more up to date.
        leader.BecomeLeader(3);
        Assert.Equal(8UL, leader.Term);
        leader.Raw.Propose("after"u8.ToArray());
        leader.Tick(); // a heartbeat restarts the probing that BecomeLeader's discarded messages began
        Exchange(leader, follower);
        Assert.Equal(leader.Log(), follower.Log());
        Assert.Equal([.. leaderLog, 8, 8], follower.LogTerms());
        Assert.Equal(12UL, follower.Commit);
    }

    [Fact]
    public void Leader_never_overwrites_its_own_log()
    {
        // The follower holds more entries, of a later term, than the leader (figure 7, case d): the leader was
        // elected without its vote. Replication must move the follower to the leader's log, never the reverse.
        ulong[] leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
        var leader = PaperNode.Create(1, Three, logTerms: leaderLog, term: 7);
        var follower = PaperNode.Create(2, Three, logTerms: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], term: 7);
        leader.BecomeLeader(3);
        var before = leader.Log().ToArray();
        leader.Tick();
        Exchange(leader, follower);
        Assert.Equal(before, follower.Log());
        var after = leader.Log();
        Assert.Equal(before, after);
        Assert.DoesNotContain(after, e => e.Term == 7);
    }

    /// <summary>Delivers messages between the two nodes until both are quiet; messages to anyone else are dropped.</summary>
    private static void Exchange(PaperNode a, PaperNode b)
    {
        var nodes = new Dictionary<ulong, PaperNode> { [a.Id] = a, [b.Id] = b };
        var queue = new Queue<RaftMessage>(a.Drain().AllMessages.Concat(b.Drain().AllMessages));
        for (var i = 0; queue.Count > 0; i++)
        {
            if (i > 10_000) throw new InvalidOperationException("the two nodes did not settle");
            var m = queue.Dequeue();
            if (!nodes.TryGetValue(m.To, out var target)) continue;
            target.Step(m);
            foreach (var reply in target.Drain().AllMessages) queue.Enqueue(reply);
        }
    }

    /// <summary>Every follower in <paramref name="followers"/> acknowledges the leader's log up to <paramref name="index"/>.</summary>
    private static void Ack(PaperNode leader, ulong index, params ulong[] followers)
    {
        foreach (var id in followers) leader.Step(Msg.AppendResponse(id, leader.Id, leader.Term, index));
        leader.Drain();
    }
}
