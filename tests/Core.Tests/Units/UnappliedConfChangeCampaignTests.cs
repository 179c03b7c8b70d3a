using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.Core.Tests.Units;

/// <summary>
/// A node that has committed a membership change but not applied it does not know the configuration it
/// would lead: it must not campaign, whether its own timer or a leader's transfer (TimeoutNow) asks it to.
/// </summary>
public sealed class UnappliedConfChangeCampaignTests
{
    /// <summary>Node 1 of (1 2 3) whose log holds a committed, unapplied change adding node 4 as a voter.</summary>
    private static RawNode NodeWithUnappliedChange()
    {
        var storage = MemoryStorage.WithVoters(1, 2, 3);
        storage.Append([new Entry(1, 1, EntryType.ConfChange, RaftCodec.Encode(ConfChange.AddVoter(4)))]);
        storage.SetHardState(new HardState(1, 0, 1));
        return new RawNode(new RaftConfig { Id = 1, Storage = storage, ElectionTick = 10, HeartbeatTick = 1 });
    }

    private static RaftMessage TimeoutNowFrom(ulong leader) => new() { Type = MessageType.TimeoutNow, From = leader, To = 1, Term = 1 };

    [Fact]
    public void A_transfer_does_not_make_a_node_with_an_unapplied_membership_change_campaign()
    {
        var node = NodeWithUnappliedChange();
        node.Step(TimeoutNowFrom(2));

        Assert.Equal(StateRole.Follower, node.Role);
        Assert.Equal(1UL, node.Term);
        var ready = node.GetReady();
        Assert.DoesNotContain(ready.Messages.Concat(ready.PersistedMessages), m => m.Type is MessageType.Vote or MessageType.PreVote);
    }

    [Fact]
    public void An_ordinary_campaign_is_refused_the_same_way()
    {
        var node = NodeWithUnappliedChange();
        node.Campaign();
        Assert.Equal(StateRole.Follower, node.Role);
        Assert.Equal(1UL, node.Term);
    }

    [Fact]
    public void Once_the_change_is_applied_a_transfer_campaigns_under_the_new_configuration()
    {
        var node = NodeWithUnappliedChange();
        var ready = node.GetReady();
        var change = Assert.Single(ready.CommittedEntries);
        node.ApplyConfChange(RaftCodec.DecodeConfChange(change.Data));
        node.Advance(ready);

        node.Step(TimeoutNowFrom(2));

        Assert.Equal(StateRole.Candidate, node.Role);
        Assert.Equal(2UL, node.Term);
        ready = node.GetReady();
        var asked = ready.Messages.Concat(ready.PersistedMessages).Where(m => m.Type == MessageType.Vote).Select(m => m.To).Order();
        Assert.Equal([2UL, 3UL, 4UL], asked);
    }
}
