using RaftActors.Core.Tracker;

namespace RaftActors.Core.Tests.Units;

/// <summary>The in-flight window of one follower: bounded by message count and by bytes, freed in order.</summary>
public sealed class InflightsTests
{
    [Fact]
    public void Window_is_full_when_the_message_count_reaches_capacity()
    {
        var w = new Inflights(3, 0);
        w.Add(1, 10);
        w.Add(2, 10);
        Assert.False(w.Full);
        w.Add(3, 10);
        Assert.True(w.Full);
        Assert.Throws<RaftInvariantException>(() => w.Add(4, 10));
    }

    [Fact]
    public void Window_is_full_when_the_bytes_reach_the_byte_limit()
    {
        var w = new Inflights(100, 50);
        w.Add(1, 20);
        w.Add(2, 20);
        Assert.False(w.Full);
        w.Add(3, 10);
        Assert.True(w.Full);
        Assert.Equal(50UL, w.Bytes);
        w.FreeLE(1);
        Assert.False(w.Full);
        Assert.Equal(30UL, w.Bytes);
    }

    [Fact]
    public void Window_with_a_zero_byte_limit_counts_only_messages()
    {
        var w = new Inflights(2, 0);
        w.Add(1, ulong.MaxValue / 4);
        Assert.False(w.Full);
    }

    [Fact]
    public void FreeLE_frees_every_message_up_to_the_acknowledged_index()
    {
        var w = new Inflights(10, 0);
        for (ulong i = 1; i <= 5; i++) w.Add(i * 2, i);
        w.FreeLE(5); // frees 2 and 4
        Assert.Equal(3, w.Count);
        Assert.Equal(3UL + 4 + 5, w.Bytes);
        w.FreeLE(1); // stale: nothing below the oldest
        Assert.Equal(3, w.Count);
        w.FreeLE(100);
        Assert.Equal(0, w.Count);
        Assert.Equal(0UL, w.Bytes);
    }

    [Fact]
    public void Window_keeps_order_when_the_ring_wraps_around()
    {
        var w = new Inflights(4, 0);
        ulong next = 1;
        for (var i = 0; i < 4; i++) w.Add(next++, 1);
        // Keep freeing two and adding two so the start walks round the ring several times.
        for (var round = 0; round < 10; round++)
        {
            w.FreeLE(next - 3); // the two oldest
            Assert.Equal(2, w.Count);
            Assert.False(w.Full);
            w.Add(next++, 1);
            w.Add(next++, 1);
            Assert.True(w.Full);
        }
        // The oldest now is next-4: freeing below it frees nothing, freeing it frees exactly one.
        w.FreeLE(next - 5);
        Assert.Equal(4, w.Count);
        w.FreeLE(next - 4);
        Assert.Equal(3, w.Count);
        w.FreeFirstOne();
        Assert.Equal(2, w.Count);
        w.FreeLE(next - 1);
        Assert.Equal(0, w.Count);
    }

    [Fact]
    public void FreeFirstOne_frees_only_the_oldest_message()
    {
        var w = new Inflights(3, 0);
        w.Add(5, 1);
        w.Add(7, 2);
        w.FreeFirstOne();
        Assert.Equal((1, 2UL), (w.Count, w.Bytes));
        w.FreeFirstOne();
        w.FreeFirstOne(); // empty: no-op
        Assert.Equal(0, w.Count);
    }

    [Fact]
    public void Reset_empties_the_window()
    {
        var w = new Inflights(2, 0);
        w.Add(1, 1);
        w.Add(2, 1);
        w.Reset();
        Assert.Equal((0, 0UL, false), (w.Count, w.Bytes, w.Full));
        w.Add(3, 1);
        w.FreeLE(3);
        Assert.Equal(0, w.Count);
    }

    [Fact]
    public void Clone_is_independent_of_the_original()
    {
        var w = new Inflights(3, 0);
        w.Add(1, 1);
        var copy = w.Clone();
        copy.Add(2, 1);
        w.FreeLE(1);
        Assert.Equal(0, w.Count);
        Assert.Equal(2, copy.Count);
        copy.FreeLE(1);
        Assert.Equal(1, copy.Count);
    }
}
