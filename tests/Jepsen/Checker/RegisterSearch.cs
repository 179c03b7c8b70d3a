namespace RaftActors.Jepsen.Checker;

/// <summary>
/// Wing &amp; Gong's search for a linearization of one register's history, with Lowe's memoization: the
/// history is a list of call and return events in time order; the search linearizes, in turn, any
/// operation whose call comes before the first pending return, and backtracks when it meets a return it
/// cannot satisfy. A (set of linearized operations, register value) pair already explored is never
/// explored again, which is what keeps the search polynomial on the histories real clients produce.
/// </summary>
/// <remarks>
/// The register holds one value (0 = nothing). A write is always allowed and sets the value; a read is
/// allowed only when it returned the current value. An unknown-outcome operation has its return at the
/// end of time, so it may be linearized anywhere after its call; once every definite operation is
/// linearized the rest may be linearized at the end, where nothing observes them (= "never").
/// </remarks>
internal sealed class RegisterSearch
{
    /// <summary>Initial value meaning "any": the first operation fixes it (used to judge a window cut out of a history).</summary>
    public const int AnyValue = -1;

    private sealed class Event
    {
        public required int Op;
        public required bool IsCall;
        public required long Time;
        public bool IsWrite;
        public int Value;
        public Event? Match;
        public Event? Prev;
        public Event? Next;
    }

    private readonly Event _head = new() { Op = -1, IsCall = false, Time = long.MinValue };
    private readonly int _operations;
    private readonly int _definite;

    private RegisterSearch(IReadOnlyList<Operation> history)
    {
        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        int Intern(string? value) => value is null ? 0 : values.TryGetValue(value, out var id) ? id : values[value] = values.Count + 1;

        var events = new List<Event>(history.Count * 2);
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i];
            var call = new Event { Op = i, IsCall = true, Time = op.Invoked, IsWrite = op.Kind == OpKind.Write, Value = Intern(op.Value) };
            var end = op.Outcome == Outcome.Ok ? op.Completed : long.MaxValue;
            var ret = new Event { Op = i, IsCall = false, Time = end, Match = call };
            call.Match = ret;
            events.Add(call);
            events.Add(ret);
            if (op.Outcome == Outcome.Ok) _definite++;
        }
        // Calls before returns at the same instant: touching operations count as concurrent (the lenient reading).
        events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.IsCall == b.IsCall ? a.Op.CompareTo(b.Op) : a.IsCall ? -1 : 1);
        var previous = _head;
        foreach (var e in events)
        {
            previous.Next = e;
            e.Prev = previous;
            previous = e;
        }
        _operations = history.Count;
    }

    /// <summary>
    /// Searches <paramref name="history"/> (one key; ok and unknown operations only) from <paramref name="initial"/>
    /// (null = nothing, or <see cref="AnyValue"/>), spending at most <paramref name="maxSteps"/> steps or until
    /// <paramref name="cancel"/> fires.
    /// </summary>
    public static (Verdict Verdict, long Steps) Run(IReadOnlyList<Operation> history, bool anyInitial, long maxSteps, CancellationToken cancel) =>
        new RegisterSearch(history).Search(anyInitial ? AnyValue : 0, maxSteps, cancel);

    private (Verdict, long) Search(int state, long maxSteps, CancellationToken cancel)
    {
        var linearized = new Bitset(_operations);
        var seen = new HashSet<Bitset.Snapshot>();
        var calls = new Stack<(Event Call, int State)>();
        var remaining = _definite;
        var entry = _head.Next;
        long steps = 0;
        while (remaining > 0)
        {
            if (++steps > maxSteps || ((steps & 0xFFF) == 0 && cancel.IsCancellationRequested)) return (Verdict.Unknown, steps);
            if (entry is null) throw new InvalidOperationException("the search ran off the history: a definite operation has no return event");
            if (entry.IsCall)
            {
                if (Step(state, entry, out var next))
                {
                    linearized.Set(entry.Op);
                    if (seen.Add(linearized.Take(next)))
                    {
                        calls.Push((entry, state));
                        state = next;
                        if (entry.Match!.Time != long.MaxValue) remaining--;
                        Lift(entry);
                        entry = _head.Next;
                        continue;
                    }
                    linearized.Clear(entry.Op);
                }
                entry = entry.Next;
            }
            else
            {
                // A return whose call is not linearized yet: the choices so far cannot be right.
                if (calls.Count == 0) return (Verdict.NotLinearizable, steps);
                var (call, before) = calls.Pop();
                state = before;
                linearized.Clear(call.Op);
                if (call.Match!.Time != long.MaxValue) remaining++;
                Unlift(call);
                entry = call.Next;
            }
        }
        return (Verdict.Linearizable, steps);
    }

    private static bool Step(int state, Event call, out int next)
    {
        if (call.IsWrite)
        {
            next = call.Value;
            return true;
        }
        next = call.Value;
        return state == AnyValue || state == call.Value;
    }

    private static void Lift(Event call)
    {
        call.Prev!.Next = call.Next;
        if (call.Next is not null) call.Next.Prev = call.Prev;
        var ret = call.Match!;
        ret.Prev!.Next = ret.Next;
        if (ret.Next is not null) ret.Next.Prev = ret.Prev;
    }

    private static void Unlift(Event call)
    {
        var ret = call.Match!;
        ret.Prev!.Next = ret;
        if (ret.Next is not null) ret.Next.Prev = ret;
        call.Prev!.Next = call;
        if (call.Next is not null) call.Next.Prev = call;
    }
}
