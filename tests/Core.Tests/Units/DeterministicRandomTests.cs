namespace RaftActors.Core.Tests.Units;

/// <summary>The seeded source of the core's election jitter: the same seed must replay the same run.</summary>
public sealed class DeterministicRandomTests
{
    [Fact]
    public void Same_seed_gives_the_same_sequence()
    {
        var a = new DeterministicRandom(12345);
        var b = new DeterministicRandom(12345);
        for (var i = 0; i < 1000; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
    }

    [Fact]
    public void Different_seeds_give_different_sequences()
    {
        var a = new DeterministicRandom(1);
        var b = new DeterministicRandom(2);
        var same = Enumerable.Range(0, 100).Count(_ => a.NextUInt64() == b.NextUInt64());
        Assert.Equal(0, same);
    }

    [Fact]
    public void Sequence_is_pinned_so_recorded_seeds_keep_reproducing()
    {
        // SplitMix64 of seed 0: changing the generator would silently invalidate every recorded failing seed.
        var r = new DeterministicRandom(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, r.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, r.NextUInt64());
    }

    [Fact]
    public void Next_stays_in_range_and_covers_it()
    {
        var r = new DeterministicRandom(99);
        var seen = new int[10];
        for (var i = 0; i < 10_000; i++)
        {
            var v = r.Next(10);
            Assert.InRange(v, 0, 9);
            seen[v]++;
        }
        Assert.All(seen, count => Assert.InRange(count, 800, 1200));
        Assert.Equal(0, r.Next(0));
        Assert.Equal(0, r.Next(-3));
    }

    [Fact]
    public void NextDouble_is_in_zero_to_one()
    {
        var r = new DeterministicRandom(7);
        for (var i = 0; i < 10_000; i++) Assert.InRange(r.NextDouble(), 0.0, 0.9999999999999999);
    }
}
