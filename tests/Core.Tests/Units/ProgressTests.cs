using RaftActors.Core.Tracker;

namespace RaftActors.Core.Tests.Units;

/// <summary>The leader's view of one follower: Probe / Replicate / Snapshot and the Match &lt; Next invariant.</summary>
public sealed class ProgressTests
{
    private static Progress New(ulong match, ulong next, int inflight = 4) => new(match, next, new Inflights(inflight, 0), isLearner: false);

    [Fact]
    public void BecomeReplicate_restarts_from_match_plus_one()
    {
        var pr = New(5, 10);
        pr.BecomeReplicate();
        Assert.Equal((ProgressState.Replicate, 5UL, 6UL), (pr.State, pr.Match, pr.Next));
    }

    [Fact]
    public void BecomeProbe_from_replicate_restarts_from_match_plus_one_and_empties_the_window()
    {
        var pr = New(5, 6);
        pr.BecomeReplicate();
        pr.OptimisticUpdate(9);
        pr.Inflights.Add(9, 10);
        pr.BecomeProbe();
        Assert.Equal((ProgressState.Probe, 6UL, 0, false), (pr.State, pr.Next, pr.Inflights.Count, pr.ProbeSent));
    }

    [Theory]
    [InlineData(1UL, 10UL, 11UL)] // the snapshot is ahead of match: continue after it
    [InlineData(20UL, 10UL, 21UL)] // match moved past the snapshot meanwhile
    public void BecomeProbe_from_snapshot_continues_after_the_snapshot(ulong match, ulong snapshot, ulong expectedNext)
    {
        var pr = New(match, match + 1);
        pr.BecomeSnapshot(snapshot);
        Assert.Equal((ProgressState.Snapshot, snapshot), (pr.State, pr.PendingSnapshot));
        pr.BecomeProbe();
        Assert.Equal((ProgressState.Probe, expectedNext, 0UL), (pr.State, pr.Next, pr.PendingSnapshot));
    }

    [Theory]
    [InlineData(5UL, 3UL, false, 5UL, 11UL)] // stale acknowledgement
    [InlineData(5UL, 5UL, false, 5UL, 11UL)] // duplicate
    [InlineData(5UL, 7UL, true, 7UL, 11UL)]  // progress, next stays ahead
    [InlineData(5UL, 12UL, true, 12UL, 13UL)] // beyond next: next follows
    public void MaybeUpdate_moves_match_forward_only(ulong match, ulong ack, bool updated, ulong expectedMatch, ulong expectedNext)
    {
        var pr = New(match, 11);
        pr.ProbeSent = true;
        Assert.Equal(updated, pr.MaybeUpdate(ack));
        Assert.Equal((expectedMatch, expectedNext), (pr.Match, pr.Next));
        Assert.Equal(!updated, pr.ProbeSent);
    }

    [Theory]
    // state, match, next, rejected, hint -> decremented?, next afterwards (etcd's TestProgressMaybeDecr, plus match > 0)
    [InlineData(ProgressState.Replicate, 5UL, 10UL, 5UL, 5UL, false, 10UL)]  // rejection at or below match is stale
    [InlineData(ProgressState.Replicate, 5UL, 10UL, 4UL, 4UL, false, 10UL)]
    [InlineData(ProgressState.Replicate, 5UL, 10UL, 9UL, 9UL, true, 6UL)]    // back to match + 1
    [InlineData(ProgressState.Probe, 0UL, 10UL, 5UL, 5UL, false, 10UL)]      // not the latest probe: stale
    [InlineData(ProgressState.Probe, 0UL, 10UL, 9UL, 9UL, true, 9UL)]
    [InlineData(ProgressState.Probe, 0UL, 2UL, 1UL, 1UL, true, 1UL)]
    [InlineData(ProgressState.Probe, 0UL, 1UL, 0UL, 0UL, true, 1UL)]         // next never drops to 0
    [InlineData(ProgressState.Probe, 0UL, 10UL, 9UL, 2UL, true, 3UL)]        // the hint skips ahead
    [InlineData(ProgressState.Probe, 0UL, 10UL, 9UL, 0UL, true, 1UL)]
    [InlineData(ProgressState.Probe, 5UL, 10UL, 9UL, 2UL, true, 6UL)]        // never below match + 1
    public void MaybeDecrTo_backs_next_off_unless_the_rejection_is_stale(
        ProgressState state, ulong match, ulong next, ulong rejected, ulong hint, bool decremented, ulong expectedNext)
    {
        var pr = New(match, next);
        if (state == ProgressState.Replicate) pr.BecomeReplicate();
        pr.Next = next;
        pr.ProbeSent = true;
        Assert.Equal(decremented, pr.MaybeDecrTo(rejected, hint));
        Assert.Equal(expectedNext, pr.Next);
        Assert.True(pr.Match < pr.Next, $"match {pr.Match} must stay below next {pr.Next}");
        if (decremented && state == ProgressState.Probe) Assert.False(pr.ProbeSent);
    }

    [Fact]
    public void Probe_is_paused_while_a_probe_is_outstanding()
    {
        var pr = New(0, 1);
        Assert.False(pr.IsPaused);
        pr.ProbeSent = true;
        Assert.True(pr.IsPaused);
        pr.MaybeUpdate(1);
        Assert.False(pr.IsPaused);
    }

    [Fact]
    public void Replicate_is_paused_only_while_the_window_is_full()
    {
        var pr = New(0, 1, inflight: 2);
        pr.BecomeReplicate();
        pr.ProbeSent = true; // irrelevant in Replicate
        Assert.False(pr.IsPaused);
        pr.Inflights.Add(1, 1);
        pr.Inflights.Add(2, 1);
        Assert.True(pr.IsPaused);
        pr.Inflights.FreeLE(1);
        Assert.False(pr.IsPaused);
    }

    [Fact]
    public void Snapshot_is_always_paused()
    {
        var pr = New(0, 1);
        pr.BecomeSnapshot(10);
        Assert.True(pr.IsPaused);
    }

    [Fact]
    public void Clone_copies_state_and_window_independently()
    {
        var pr = New(3, 4);
        pr.BecomeReplicate();
        pr.Inflights.Add(5, 1);
        pr.RecentActive = true;
        var copy = pr.Clone();
        copy.Inflights.FreeLE(5);
        copy.MaybeUpdate(9);
        Assert.Equal((ProgressState.Replicate, 3UL, 1, true), (pr.State, pr.Match, pr.Inflights.Count, copy.RecentActive));
        Assert.Equal(ProgressState.Replicate, copy.State);
    }
}
