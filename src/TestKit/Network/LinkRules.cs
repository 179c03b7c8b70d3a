namespace RaftActors.TestKit.Network;

/// <summary>
/// Which directed links of an <see cref="InProcessNetwork"/> are cut, and the chance that a message on an
/// open link is lost. Rules are kept by node id, not by running node, so they survive a node's restart
/// (a node isolated and then restarted is still isolated). Not thread-safe: the network holds its lock.
/// </summary>
internal sealed class LinkRules
{
    private readonly HashSet<(ulong From, ulong To)> _cut = [];
    private readonly HashSet<ulong> _isolated = [];
    private Random? _random;

    public double DropRate { get; private set; }

    public int? Seed { get; private set; }

    public bool IsOpen(ulong from, ulong to) =>
        !_isolated.Contains(from) && !_isolated.Contains(to) && !_cut.Contains((from, to));

    public void Isolate(ulong id) => _isolated.Add(id);

    public void CutOneWay(ulong from, ulong to) => _cut.Add((from, to));

    public void Clear()
    {
        _cut.Clear();
        _isolated.Clear();
    }

    public void SetDropRate(double rate, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rate, 1.0);
        DropRate = rate;
        Seed = seed;
        // Seeded so that a failing run can be told apart from another by its seed; with real actors the
        // interleaving still varies, so the seed fixes the sequence of coin flips, not the whole run.
        _random = new Random(seed);
    }

    /// <summary>Flips the coin for one message on an open link.</summary>
    public bool ShouldDrop() => _random is not null && DropRate > 0 && _random.NextDouble() < DropRate;
}
