using RaftActors.Jepsen.Checker;

namespace RaftActors.Jepsen.Tests;

/// <summary>
/// Legal histories by construction: processes call operations one after another; each applied operation
/// takes effect at a random instant of its own (inside its interval, or for an unknown write possibly
/// after the client gave up), and reads return what a real register holds at that instant.
/// </summary>
internal sealed class HistoryGenerator(int seed)
{
    private readonly Random _random = new(seed);

    public int Processes { get; init; } = 5;
    public int Keys { get; init; } = 2;
    public double UnknownRate { get; init; } = 0.1;
    public double FailedRate { get; init; } = 0.05;

    public List<Operation> Generate(int operations)
    {
        var clocks = new long[Processes];
        var pending = new List<(Operation Op, long EffectAt, bool Applied)>();
        for (var i = 0; i < operations; i++)
        {
            var process = _random.Next(Processes);
            var invoked = clocks[process] + _random.Next(0, 50);
            var duration = _random.Next(1, 400);
            var completed = invoked + duration;
            clocks[process] = completed;
            var key = $"k{_random.Next(Keys)}";
            var write = _random.Next(2) == 0;
            var roll = _random.NextDouble();
            var outcome = roll < UnknownRate ? Outcome.Unknown : roll < UnknownRate + FailedRate && write ? Outcome.Failed : Outcome.Ok;
            var applied = outcome switch
            {
                Outcome.Failed => false,
                Outcome.Unknown => _random.Next(3) != 0,
                _ => true,
            };
            var effectAt = outcome == Outcome.Unknown ? invoked + _random.NextInt64(0, 3L * duration) : invoked + _random.NextInt64(0, duration + 1);
            var op = new Operation(i, process, key, write ? OpKind.Write : OpKind.Read, write ? $"v{i}" : null, invoked, completed, outcome);
            pending.Add((op, effectAt, applied));
        }

        // Replay the effects in time order on real registers to learn what each read returned.
        var registers = new Dictionary<string, string?>();
        var history = new List<Operation>(operations);
        foreach (var (op, _, applied) in pending.OrderBy(p => p.EffectAt).ThenBy(p => p.Op.Id))
        {
            if (op.Kind == OpKind.Write)
            {
                if (applied) registers[op.Key] = op.Value;
                history.Add(op);
            }
            else
            {
                history.Add(op with { Value = registers.GetValueOrDefault(op.Key) });
            }
        }
        return [.. history.OrderBy(o => o.Id)];
    }
}

/// <summary>Targeted corruptions that make a history illegal for certain.</summary>
internal static class Corruption
{
    /// <summary>
    /// A read that started after w2 completed, where w2 started after w1 completed, made to return w1's
    /// value: w1 &lt; w2 &lt; read in every linearization, and only w1 wrote that value. Null if the history has no such triple.
    /// </summary>
    public static (List<Operation> History, Operation Read)? StaleRead(List<Operation> history, Random random)
    {
        var writes = history.Where(o => o is { Kind: OpKind.Write, Outcome: Outcome.Ok }).ToList();
        var reads = history.Where(o => o is { Kind: OpKind.Read, Outcome: Outcome.Ok }).OrderBy(_ => random.Next()).ToList();
        foreach (var read in reads)
        {
            var before = writes.Where(w => w.Key == read.Key && w.Completed < read.Invoked).ToList();
            foreach (var w2 in before.OrderByDescending(w => w.Invoked))
            {
                if (before.FirstOrDefault(w1 => w1.Completed < w2.Invoked) is { } w1)
                {
                    var corrupted = read with { Value = w1.Value };
                    return ([.. history.Select(o => o.Id == read.Id ? corrupted : o)], corrupted);
                }
            }
        }
        return null;
    }

    /// <summary>A read that returns the value of a write called only after the read had completed.</summary>
    public static List<Operation>? FutureRead(List<Operation> history)
    {
        foreach (var read in history.Where(o => o is { Kind: OpKind.Read, Outcome: Outcome.Ok }))
        {
            if (history.FirstOrDefault(w => w.Kind == OpKind.Write && w.Outcome != Outcome.Failed && w.Key == read.Key && w.Invoked > read.Completed) is { } write)
            {
                return [.. history.Select(o => o.Id == read.Id ? read with { Value = write.Value } : o)];
            }
        }
        return null;
    }

    /// <summary>A read that returns the value of a write the client was told was not applied.</summary>
    public static List<Operation>? ReadOfFailedWrite(List<Operation> history)
    {
        foreach (var failed in history.Where(o => o is { Kind: OpKind.Write, Outcome: Outcome.Failed }))
        {
            if (history.FirstOrDefault(r => r is { Kind: OpKind.Read, Outcome: Outcome.Ok } && r.Key == failed.Key && r.Completed > failed.Invoked) is { } read)
            {
                return [.. history.Select(o => o.Id == read.Id ? read with { Value = failed.Value } : o)];
            }
        }
        return null;
    }
}
