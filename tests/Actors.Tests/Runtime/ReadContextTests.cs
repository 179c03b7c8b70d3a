using RaftActors.Actors.Runtime;

namespace RaftActors.Actors.Tests.Runtime;

public sealed class ReadContextTests
{
    [Fact]
    public void The_first_reads_of_different_nodes_and_of_a_restarted_node_have_different_contexts()
    {
        // Before: every node numbered its reads from 1 in 8 bytes, so the leader saw a follower's first read with the
        // context of its own pending first read and dropped one of them.
        var contexts = new[]
        {
            ReadContext.Encode(1, 1, 1), ReadContext.Encode(2, 1, 1), ReadContext.Encode(3, 1, 1), ReadContext.Encode(1, 2, 1),
        };
        Assert.Equal(contexts.Length, contexts.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void A_node_takes_back_only_the_contexts_it_made_in_this_incarnation()
    {
        Assert.True(ReadContext.TryDecode(ReadContext.Encode(2, 7, 42), 2, 7, out var sequence));
        Assert.Equal(42UL, sequence);
        Assert.False(ReadContext.TryDecode(ReadContext.Encode(3, 7, 42), 2, 7, out _));
        Assert.False(ReadContext.TryDecode(ReadContext.Encode(2, 6, 42), 2, 7, out _));
        Assert.False(ReadContext.TryDecode(new byte[8], 2, 7, out _));
    }
}
