using System.Text;
using RaftActors.Core.Tests.Paper;
using RaftActors.Messages;

namespace RaftActors.Core.Tests.Units;

/// <summary>
/// Proposals that enter the core together (<see cref="RawNode.Propose(IReadOnlyList{byte[]}, out int)"/>) are appended
/// in their order and replicated in one append per follower; under the uncommitted limit the longest prefix that fits
/// goes in, as one at a time would.
/// </summary>
public sealed class ProposalBatchTests
{
    private static readonly ulong[] Three = [1, 2, 3];

    private static PaperNode ReplicatingLeader(Func<RaftConfig, RaftConfig>? configure = null)
    {
        var n = PaperNode.Create(1, Three, configure: configure);
        n.BecomeLeader(2);
        // Both followers acknowledge the leader's no-op, so their progress replicates (no probing).
        n.Step(Msg.AppendResponse(2, 1, 1, 1));
        n.Step(Msg.AppendResponse(3, 1, 1, 1));
        n.Drain();
        return n;
    }

    private static byte[][] Commands(int count) => Enumerable.Range(0, count).Select(i => Encoding.UTF8.GetBytes($"c{i}")).ToArray();

    [Fact]
    public void A_batch_is_appended_in_order_and_sent_as_one_append_per_follower()
    {
        var n = ReplicatingLeader();
        var commands = Commands(5);

        Assert.Equal(ProposeResult.Accepted, n.Raw.Propose(commands, out var accepted));
        Assert.Equal(5, accepted);

        var rd = n.Raw.GetReady();
        Assert.Equal(commands.Select(Encoding.UTF8.GetString), rd.Entries.Select(e => Encoding.UTF8.GetString(e.Data)));
        Assert.Equal([2UL, 3UL, 4UL, 5UL, 6UL], rd.Entries.Select(e => e.Index));
        var appends = rd.Messages.Where(m => m.Type == MessageType.Append).ToList();
        Assert.Equal([2UL, 3UL], appends.Select(m => m.To).Order());
        Assert.All(appends, m => Assert.Equal([2UL, 3UL, 4UL, 5UL, 6UL], m.Entries.Select(e => e.Index)));
    }

    [Fact]
    public void The_same_commands_proposed_one_at_a_time_cost_one_append_per_follower_each()
    {
        // The contrast the batch exists for: the core broadcasts on every proposal.
        var n = ReplicatingLeader();
        foreach (var command in Commands(5)) Assert.Equal(ProposeResult.Accepted, n.Raw.Propose(command));

        var rd = n.Raw.GetReady();
        Assert.Equal(5, rd.Entries.Count);
        Assert.Equal(10, rd.Messages.Count(m => m.Type == MessageType.Append));
    }

    private static PaperNode LeaderWithLimit(ulong limit) => ReplicatingLeader(c => new RaftConfig
    {
        Id = c.Id, Storage = c.Storage, ElectionTick = c.ElectionTick, HeartbeatTick = c.HeartbeatTick, PreVote = false, CheckQuorum = false,
        CheckInvariants = true, RandomSeed = c.RandomSeed, MaxUncommittedEntriesSize = limit,
    });

    [Fact]
    public void Under_the_uncommitted_limit_the_longest_prefix_that_fits_goes_in_and_the_rest_is_refused()
    {
        var n = LeaderWithLimit(10);
        Assert.Equal(ProposeResult.Accepted, n.Raw.Propose("abcd"u8.ToArray()));
        n.Drain();
        var last = n.Raw.LastIndex;

        // 4 bytes are uncommitted: "ef" and "gh" fit (8), "ijk" would pass 10, and "l" after it waits its turn.
        var result = n.Raw.Propose(["ef"u8.ToArray(), "gh"u8.ToArray(), "ijk"u8.ToArray(), "l"u8.ToArray()], out var accepted);

        Assert.Equal(ProposeResult.UncommittedLimit, result);
        Assert.Equal(2, accepted);
        Assert.Equal(last + 2, n.Raw.LastIndex);
        Assert.Equal(["ef", "gh"], n.Raw.GetReady().Entries.Select(e => Encoding.UTF8.GetString(e.Data)));
    }

    [Fact]
    public void A_leader_with_nothing_uncommitted_takes_the_first_proposal_whatever_its_size_but_not_the_next()
    {
        // One at a time: the first always goes in (progress is possible), the second finds it uncommitted.
        var n = LeaderWithLimit(10);
        var result = n.Raw.Propose([new byte[50], new byte[1]], out var accepted);
        Assert.Equal(ProposeResult.UncommittedLimit, result);
        Assert.Equal(1, accepted);
    }

    [Fact]
    public void When_nothing_fits_nothing_is_appended()
    {
        var n = LeaderWithLimit(10);
        Assert.Equal(ProposeResult.Accepted, n.Raw.Propose(new byte[8]));
        n.Drain();
        var last = n.Raw.LastIndex;

        Assert.Equal(ProposeResult.UncommittedLimit, n.Raw.Propose([new byte[5], new byte[1]], out var accepted));

        Assert.Equal(0, accepted);
        Assert.Equal(last, n.Raw.LastIndex);
        Assert.False(n.Raw.HasReady());
    }

    [Fact]
    public void A_follower_refuses_a_batch_whole()
    {
        var n = PaperNode.Create(2, Three, term: 1);
        var result = n.Raw.Propose(Commands(3), out var accepted);
        Assert.NotEqual(ProposeResult.Accepted, result);
        Assert.Equal(0, accepted);
        Assert.Equal(0UL, n.Raw.LastIndex);
    }

    [Fact]
    public void An_empty_batch_changes_nothing()
    {
        var n = ReplicatingLeader();
        var last = n.Raw.LastIndex;
        Assert.Equal(ProposeResult.Accepted, n.Raw.Propose(Array.Empty<byte[]>(), out var accepted));
        Assert.Equal(0, accepted);
        Assert.Equal(last, n.Raw.LastIndex);
        Assert.False(n.Raw.HasReady());
    }
}
