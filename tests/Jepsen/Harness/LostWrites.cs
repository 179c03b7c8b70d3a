using RaftActors.Jepsen.Checker;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// Acknowledged writes whose effect is gone from a node at the end: its final value was written by an
/// operation that completed before the acknowledged write was even called (so the acknowledged one must
/// have come later and been overwritten by nothing newer), or the node holds nothing, or a value no client wrote.
/// </summary>
internal static class LostWrites
{
    public static IReadOnlyList<Operation> Find(IReadOnlyList<Operation> history, IReadOnlyList<Operation> finals)
    {
        var lost = new Dictionary<int, Operation>();
        foreach (var final in finals)
        {
            var acknowledged = history.Where(o => o is { Kind: OpKind.Write, Outcome: Outcome.Ok } && o.Key == final.Key && o.Invoked < final.Invoked).ToList();
            var source = final.Value is null ? null : history.FirstOrDefault(o => o.Kind == OpKind.Write && o.Key == final.Key && o.Value == final.Value);
            IEnumerable<Operation> gone = source switch
            {
                null => acknowledged,
                { Outcome: Outcome.Unknown } => [],
                _ => acknowledged.Where(w => w.Invoked > source.Completed),
            };
            foreach (var write in gone) lost.TryAdd(write.Id, write);
        }
        return [.. lost.Values.OrderBy(w => w.Id)];
    }
}
