using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The replicated address book: each member's address as the membership entries gave it, and nothing else (no
/// configured, learned or discovered address). It is what a service snapshot records (<see cref="ServiceSnapshotFormat"/>),
/// so a node caught up by a snapshot knows the addresses carried by the entries the snapshot replaced. Only members
/// of the configuration are kept: a removed member's address is never passed on.
/// </summary>
internal static class MemberAddresses
{
    /// <summary>Whether <paramref name="id"/> is a voter or learner of <paramref name="config"/>, in either half of a joint one.</summary>
    public static bool IsMember(ConfState config, ulong id) =>
        config.Voters.Contains(id) || config.Learners.Contains(id) || config.VotersOutgoing.Contains(id) || config.LearnersNext.Contains(id);

    /// <summary>The rows of <paramref name="book"/> that name a member of <paramref name="config"/>.</summary>
    public static SortedDictionary<ulong, string> Restrict(IReadOnlyDictionary<ulong, string> book, ConfState config)
    {
        var kept = new SortedDictionary<ulong, string>();
        foreach (var (id, address) in book)
        {
            if (IsMember(config, id)) kept[id] = address;
        }
        return kept;
    }

    /// <summary>
    /// The book once the membership entry <paramref name="entry"/> is applied, <paramref name="after"/> being the
    /// configuration it led to: an added member takes the address its change carries (a promotion carries none and
    /// keeps the one it had), and whoever is no longer a member is dropped. An entry that does not decode changes no
    /// address; the configuration still decides who stays.
    /// </summary>
    public static SortedDictionary<ulong, string> AfterChange(IReadOnlyDictionary<ulong, string> before, Entry entry, ConfState after)
    {
        var book = new Dictionary<ulong, string>(before);
        try
        {
            var change = RaftCodec.DecodeConfChange(entry.Data);
            var context = MembershipContext.Decode(change.Context);
            if (context.Address.Length > 0)
            {
                foreach (var single in change.Changes)
                {
                    if (single.Type is ConfChangeType.AddVoter or ConfChangeType.AddLearner) book[single.NodeId] = context.Address;
                }
            }
        }
        catch (CodecException)
        {
            // The RaftActor refuses the same bytes alike on every node: the entry is a no-op for the address book too.
        }
        return Restrict(book, after);
    }

    /// <summary>
    /// The book a node adopts when it installs a snapshot of configuration <paramref name="config"/> whose header holds
    /// <paramref name="fromSnapshot"/>: the snapshot's addresses of its members, and for a member the snapshot gives no
    /// address, the one already known in <paramref name="current"/>. Nothing the node applied is newer than the snapshot
    /// (the core installs only a snapshot beyond its commit index), so the snapshot's address wins. Null when the
    /// snapshot holds no book (version 1): the current book stays as it is.
    /// </summary>
    public static SortedDictionary<ulong, string>? Adopt(IReadOnlyDictionary<ulong, string> current, IReadOnlyDictionary<ulong, string>? fromSnapshot,
        ConfState config)
    {
        if (fromSnapshot is null) return null;
        var adopted = Restrict(fromSnapshot, config);
        foreach (var (id, address) in current)
        {
            if (!adopted.ContainsKey(id) && IsMember(config, id)) adopted[id] = address;
        }
        return adopted;
    }
}
