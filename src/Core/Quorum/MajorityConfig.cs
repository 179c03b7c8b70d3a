namespace RaftActors.Core.Quorum;

/// <summary>
/// A set of voters decided by simple majority. An empty set is a special case: it agrees with
/// anything (commits everything, wins every vote), which is what makes the outgoing half of a
/// non-joint <see cref="JointConfig"/> neutral.
/// </summary>
public sealed class MajorityConfig
{
    private readonly SortedSet<ulong> _ids;

    public MajorityConfig(IEnumerable<ulong>? ids = null) => _ids = ids is null ? [] : new SortedSet<ulong>(ids);

    public int Count => _ids.Count;

    public IReadOnlyCollection<ulong> Ids => _ids;

    public bool Contains(ulong id) => _ids.Contains(id);

    internal void Add(ulong id) => _ids.Add(id);

    internal void Remove(ulong id) => _ids.Remove(id);

    internal void Clear() => _ids.Clear();

    public MajorityConfig Clone() => new(_ids);

    /// <summary>
    /// The largest index that a majority has acknowledged: sort the acknowledged indexes and take the one
    /// at the majority position. A voter with no acknowledgement counts as index 0.
    /// </summary>
    public ulong CommittedIndex(Func<ulong, ulong?> acked)
    {
        var n = _ids.Count;
        if (n == 0) return ulong.MaxValue;
        Span<ulong> indexes = n <= 16 ? stackalloc ulong[n] : new ulong[n];
        var i = 0;
        foreach (var id in _ids) indexes[i++] = acked(id) ?? 0;
        indexes.Sort();
        return indexes[n - (n / 2 + 1)];
    }

    /// <summary>Counts recorded votes: a majority of yes wins; too many no (or silent) loses.</summary>
    public VoteResult Vote(IReadOnlyDictionary<ulong, bool> votes)
    {
        if (_ids.Count == 0) return VoteResult.Won;
        int yes = 0, missing = 0;
        foreach (var id in _ids)
        {
            if (!votes.TryGetValue(id, out var v)) missing++;
            else if (v) yes++;
        }
        var quorum = _ids.Count / 2 + 1;
        if (yes >= quorum) return VoteResult.Won;
        return yes + missing >= quorum ? VoteResult.Pending : VoteResult.Lost;
    }

    public override string ToString() => $"({string.Join(' ', _ids)})";
}
