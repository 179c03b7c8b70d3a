using RaftActors.Actors.Runtime;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>The replicated address book: what membership entries make of it, and what a node adopts from a snapshot.</summary>
public sealed class MemberAddressesTests
{
    private static readonly Dictionary<ulong, string> Three = new() { [1] = "h:1", [2] = "h:2", [3] = "h:3" };

    [Fact]
    public void An_added_member_takes_the_address_its_change_carries_and_a_promotion_keeps_it()
    {
        var added = MemberAddresses.AfterChange(Three, Change(ConfChange.AddLearner(4, Context("h:4"))), new ConfState([1, 2, 3], [4]));
        var promoted = MemberAddresses.AfterChange(added, Change(ConfChange.AddVoter(4)), new ConfState([1, 2, 3, 4]));

        Assert.Equal("h:4", added[4]);
        Assert.Equal(Book(1, 2, 3, 4), promoted);
    }

    [Fact]
    public void A_removed_member_leaves_the_book()
    {
        var after = MemberAddresses.AfterChange(Three, Change(ConfChange.Remove(2)), new ConfState([1, 3]));

        Assert.Equal(Book(1, 3), after);
    }

    [Fact]
    public void An_entry_that_does_not_decode_changes_no_address()
    {
        var after = MemberAddresses.AfterChange(Three, new Entry(1, 9, EntryType.ConfChange, [0xFF, 0x01]), new ConfState([1, 2, 3]));

        Assert.Equal(Book(1, 2, 3), after);
    }

    [Fact]
    public void A_snapshot_s_addresses_win_for_its_members_and_the_node_keeps_those_it_does_not_give()
    {
        var current = new Dictionary<ulong, string> { [1] = "old:1", [2] = "h:2", [5] = "h:5" };
        var fromSnapshot = new Dictionary<ulong, string> { [1] = "h:1", [3] = "h:3" };

        var adopted = MemberAddresses.Adopt(current, fromSnapshot, new ConfState([1, 2, 3]));

        // Node 5 is no member of the snapshot's configuration (removed, or only configured): it is not kept.
        Assert.Equal(Book(1, 2, 3), adopted);
    }

    [Fact]
    public void A_removed_member_named_by_a_snapshot_s_book_is_not_resurrected()
    {
        var adopted = MemberAddresses.Adopt(Three, new Dictionary<ulong, string>(Three) { [7] = "h:7" }, new ConfState([1, 2, 3]));

        Assert.Equal(Book(1, 2, 3), adopted);
    }

    [Fact]
    public void A_snapshot_without_a_book_changes_nothing()
    {
        Assert.Null(MemberAddresses.Adopt(Three, null, new ConfState([1, 2])));
    }

    [Fact]
    public void Members_of_both_halves_of_a_joint_configuration_keep_their_addresses()
    {
        var joint = new ConfState([1, 4], learners: [5], votersOutgoing: [1, 2], learnersNext: [3]);
        var book = new Dictionary<ulong, string>(Three) { [4] = "h:4", [5] = "h:5", [6] = "h:6" };

        Assert.Equal(Book(1, 2, 3, 4, 5), MemberAddresses.Restrict(book, joint));
    }

    private static SortedDictionary<ulong, string> Book(params ulong[] ids) => new(ids.ToDictionary(id => id, id => $"h:{id}"));

    private static byte[] Context(string address) => new MembershipContext(1, 1, address).Encode();

    private static Entry Change(ConfChange change) => new(1, 9, EntryType.ConfChange, RaftCodec.Encode(change));
}
