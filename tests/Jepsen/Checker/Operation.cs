using System.Globalization;

namespace RaftActors.Jepsen.Checker;

public enum OpKind
{
    Write,
    Read,
}

/// <summary>What the client learnt: applied (ok), definitely not applied (failed), or it cannot tell (unknown).</summary>
public enum Outcome
{
    Ok,
    Failed,
    Unknown,
}

/// <summary>
/// One client operation on one key as the client saw it. <see cref="Value"/> is the value written, or for a
/// read the value it returned (null: the key held nothing). Times are microseconds on one monotonic clock;
/// an unknown operation's <see cref="Completed"/> is when the client gave up, which bounds nothing: the
/// checker lets it take effect at any time after <see cref="Invoked"/>, or never.
/// </summary>
public sealed record Operation(int Id, int Process, string Key, OpKind Kind, string? Value, long Invoked, long Completed, Outcome Outcome, int Node = 0)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"#{Id} p{Process} n{Node} {(Kind == OpKind.Write ? "set" : "get")} {Key}{(Kind == OpKind.Write ? "=" : "->")}{Value ?? "nil"} [{Invoked / 1000.0:F1} ms, {(Outcome == Outcome.Unknown ? "?" : (Completed / 1000.0).ToString("F1", CultureInfo.InvariantCulture))} ms] {Outcome.ToString().ToLowerInvariant()}");
}
