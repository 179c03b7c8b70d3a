namespace RaftActors.Jepsen.Checker;

/// <summary>
/// The smallest stretch of an illegal key history that shows the violation, for a human to read. First the
/// shortest prefix in time that is already illegal (the history cut at an instant T: operations called by T;
/// those still running at T have unknown outcome, and reads among them are dropped). Then, from the end of
/// that prefix backwards, the latest start S such that the operations running at or after S are illegal on
/// their own from an arbitrary initial value.
/// </summary>
internal static class FailureWindow
{
    private const int MaxStarts = 400;

    public static IReadOnlyList<Operation> Find(IReadOnlyList<Operation> ops, long maxSteps, CancellationToken cancel)
    {
        var ends = ops.Where(o => o.Outcome == Outcome.Ok).Select(o => o.Completed).Distinct().Order().ToList();
        if (ends.Count == 0) return ops;
        int lo = 0, hi = ends.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (Illegal(Prefix(ops, ends[mid]), anyInitial: false, maxSteps, cancel)) hi = mid;
            else lo = mid + 1;
        }
        var prefix = Prefix(ops, ends[lo]);
        if (!Illegal(prefix, anyInitial: false, maxSteps, cancel)) return ops;

        var starts = prefix.Select(o => o.Invoked).Distinct().OrderDescending().Take(MaxStarts);
        foreach (var start in starts)
        {
            var window = prefix.Where(o => o.Invoked >= start || (o.Outcome == Outcome.Ok && o.Completed >= start)).ToList();
            if (Illegal(window, anyInitial: true, maxSteps, cancel)) return [.. window.OrderBy(o => o.Invoked)];
        }
        return [.. prefix.OrderBy(o => o.Invoked)];
    }

    private static List<Operation> Prefix(IReadOnlyList<Operation> ops, long cut) =>
        LinearizabilityChecker.Prepare(ops
            .Where(o => o.Invoked <= cut)
            .Where(o => !(o.Kind == OpKind.Read && o.Outcome == Outcome.Ok && o.Completed > cut))
            .Select(o => o.Outcome == Outcome.Ok && o.Completed > cut ? o with { Outcome = Outcome.Unknown } : o));

    private static bool Illegal(List<Operation> ops, bool anyInitial, long maxSteps, CancellationToken cancel) =>
        RegisterSearch.Run(ops, anyInitial, maxSteps, cancel).Verdict == Verdict.NotLinearizable;
}
