namespace RaftActors.Core.Quorum;

/// <summary>
/// A set of voters decided by simple majority. An empty set is a special case: it agrees with
/// anything (commits everything, wins every vote), which is what makes the outgoing half of a
/// non-joint <see cref="JointConfig"/> neutral.
/// </summary>
public sealed class MajorityConfig
{
    private readonly SortedSet<ulong> _ids;

    // The ids in order, for the counts made on every append acknowledgement: enumerating a SortedSet allocates
    // (its enumerator keeps a stack), an array does not. Rebuilt when the set changes, which is rare.
    private ulong[] _ordered;

    public MajorityConfig(IEnumerable<ulong>? ids = null)
    {
        _ids = ids is null ? [] : new SortedSet<ulong>(ids);
        _ordered = [.. _ids];
    }

    public int Count => _ids.Count;

    public IReadOnlyCollection<ulong> Ids => _ids;

    public bool Contains(ulong id) => _ids.Contains(id);

    internal void Add(ulong id)
    {
        if (_ids.Add(id)) _ordered = [.. _ids];
    }

    internal void Remove(ulong id)
    {
        if (_ids.Remove(id)) _ordered = [.. _ids];
    }

    internal void Clear()
    {
        _ids.Clear();
        _ordered = [];
    }

    public MajorityConfig Clone() => new(_ids);

    /// <summary>
    /// The largest index that a majority has acknowledged: sort the acknowledged indexes and take the one
    /// at the majority position. A voter with no acknowledgement counts as index 0.
    /// </summary>
    public ulong CommittedIndex(Func<ulong, ulong?> acked)
    {
        var ids = _ordered;
        var n = ids.Length;
        if (n == 0) return ulong.MaxValue;
        Span<ulong> indexes = n <= 16 ? stackalloc ulong[n] : new ulong[n];
        for (var i = 0; i < n; i++) indexes[i] = acked(ids[i]) ?? 0;
        indexes.Sort();
        return indexes[n - (n / 2 + 1)];
    }

    /// <summary>Counts recorded votes: a majority of yes wins; too many no (or silent) loses.</summary>
    public VoteResult Vote(IReadOnlyDictionary<ulong, bool> votes)
    {
        if (_ids.Count == 0) return VoteResult.Won;
        int yes = 0, missing = 0;
        foreach (var id in _ordered)
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
