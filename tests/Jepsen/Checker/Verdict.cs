namespace RaftActors.Jepsen.Checker;

public enum Verdict
{
    Linearizable,
    NotLinearizable,
    /// <summary>The search ran out of its budget: neither a linearization nor a proof that none exists.</summary>
    Unknown,
}

/// <summary>How much search the checker may spend before it answers <see cref="Verdict.Unknown"/>.</summary>
public sealed record CheckBudget(long MaxStepsPerKey, TimeSpan Timeout)
{
    public static CheckBudget Default { get; } = new(20_000_000, TimeSpan.FromSeconds(60));
}

/// <summary>The verdict on one key; for an illegal history, the smallest window that shows it (see <see cref="FailureWindow"/>).</summary>
public sealed record KeyVerdict(string Key, Verdict Verdict, int Operations, long Steps, IReadOnlyList<Operation> Window);

public sealed record CheckResult(Verdict Verdict, IReadOnlyList<KeyVerdict> Keys)
{
    public IEnumerable<KeyVerdict> Failures => Keys.Where(k => k.Verdict == Verdict.NotLinearizable);
}
