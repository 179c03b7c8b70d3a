using RaftActors.Messages;

namespace RaftActors.TestKit.Simulation;

/// <summary>
/// A deterministic network for simulated clusters: messages are queued with a delivery tick and pass
/// through link rules (cut links, one-way cuts, drop rates), duplication and reordering, all decided
/// by the cluster's seeded random source. Nothing here uses real time.
/// </summary>
public sealed class SimulatedNetwork
{
    private readonly Random _random;
    private readonly List<InFlight> _queue = [];
    private readonly HashSet<(ulong From, ulong To)> _cut = [];
    private readonly Dictionary<(ulong From, ulong To), double> _dropRates = [];
    private long _sequence;

    internal SimulatedNetwork(Random random) => _random = random;

    /// <summary>Called for every message lost, so the cluster can report a failed snapshot like a transport would.</summary>
    internal Action<RaftMessage>? OnDropped { get; set; }

    private sealed record InFlight(long DeliverAt, long Sequence, RaftMessage Message);

    /// <summary>Probability that any message is lost.</summary>
    public double DropRate { get; set; }

    /// <summary>Probability that a delivered message is delivered twice.</summary>
    public double DuplicateRate { get; set; }

    /// <summary>Each message is delayed by a random number of ticks in <c>[0, MaxDelayTicks]</c>; 0 keeps order.</summary>
    public int MaxDelayTicks { get; set; }

    /// <summary>Messages dropped by rules or chance so far (the fault counter of randomized tests).</summary>
    public long Dropped { get; private set; }

    public long Duplicated { get; private set; }

    public long Delivered { get; private set; }

    public int InFlightCount => _queue.Count;

    /// <summary>Blocks both directions between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public void Cut(ulong a, ulong b)
    {
        _cut.Add((a, b));
        _cut.Add((b, a));
    }

    /// <summary>Blocks only messages from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public void CutOneWay(ulong from, ulong to) => _cut.Add((from, to));

    public void Drop(ulong from, ulong to, double rate) => _dropRates[(from, to)] = rate;

    /// <summary>Removes every cut and per-link drop rate (global rates stay).</summary>
    public void Heal()
    {
        _cut.Clear();
        _dropRates.Clear();
    }

    public bool IsCut(ulong from, ulong to) => _cut.Contains((from, to));

    internal void Send(RaftMessage message, long now)
    {
        var delay = MaxDelayTicks == 0 ? 0 : _random.Next(MaxDelayTicks + 1);
        _queue.Add(new InFlight(now + delay, _sequence++, message));
        if (DuplicateRate > 0 && _random.NextDouble() < DuplicateRate)
        {
            Duplicated++;
            _queue.Add(new InFlight(now + (MaxDelayTicks == 0 ? 0 : _random.Next(MaxDelayTicks + 1)), _sequence++, message));
        }
    }

    /// <summary>Takes every message due by <paramref name="now"/> (all of them when null) that survives the link rules.</summary>
    internal List<RaftMessage> TakeDue(long? now, Func<ulong, bool> isUp)
    {
        var due = new List<InFlight>();
        for (var i = 0; i < _queue.Count; i++)
        {
            if (now is null || _queue[i].DeliverAt <= now) due.Add(_queue[i]);
        }
        if (due.Count == 0) return [];
        var taken = due.ToHashSet();
        _queue.RemoveAll(taken.Contains);
        due.Sort((x, y) => x.DeliverAt != y.DeliverAt ? x.DeliverAt.CompareTo(y.DeliverAt) : x.Sequence.CompareTo(y.Sequence));
        var result = new List<RaftMessage>(due.Count);
        foreach (var item in due)
        {
            var m = item.Message;
            if (!isUp(m.To) || _cut.Contains((m.From, m.To)) || Chance(DropRate)
                || (_dropRates.TryGetValue((m.From, m.To), out var rate) && Chance(rate)))
            {
                Dropped++;
                OnDropped?.Invoke(m);
                continue;
            }
            Delivered++;
            result.Add(m);
        }
        return result;
    }

    /// <summary>Forgets every message addressed to <paramref name="id"/> (it crashed: its sockets are gone).</summary>
    internal void DropAllTo(ulong id)
    {
        foreach (var lost in _queue.Where(f => f.Message.To == id).ToArray())
        {
            _queue.Remove(lost);
            Dropped++;
            OnDropped?.Invoke(lost.Message);
        }
    }

    private bool Chance(double rate) => rate > 0 && _random.NextDouble() < rate;
}
