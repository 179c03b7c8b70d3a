using RaftActors.Jepsen.Checker;

namespace RaftActors.Jepsen.Tests;

/// <summary>The linearizability checker on small histories whose verdict is known by hand.</summary>
public sealed class CheckerTests
{
    private static int _ids;

    private static Operation W(string value, long from, long to, Outcome outcome = Outcome.Ok, string key = "k") =>
        new(Interlocked.Increment(ref _ids), 0, key, OpKind.Write, value, from, to, outcome);

    private static Operation R(string? value, long from, long to, Outcome outcome = Outcome.Ok, string key = "k") =>
        new(Interlocked.Increment(ref _ids), 0, key, OpKind.Read, value, from, to, outcome);

    private static Verdict Check(params Operation[] history) => LinearizabilityChecker.Check(history).Verdict;

    [Fact]
    public void An_empty_history_is_linearizable() => Assert.Equal(Verdict.Linearizable, Check());

    [Fact]
    public void A_read_of_nothing_before_any_write_is_linearizable() =>
        Assert.Equal(Verdict.Linearizable, Check(R(null, 0, 1), W("a", 2, 3), R("a", 4, 5)));

    [Fact]
    public void A_read_concurrent_with_a_write_may_return_the_old_or_the_new_value()
    {
        Assert.Equal(Verdict.Linearizable, Check(W("a", 0, 1), W("b", 2, 10), R("a", 3, 4)));
        Assert.Equal(Verdict.Linearizable, Check(W("a", 0, 1), W("b", 2, 10), R("b", 3, 4)));
    }

    [Fact]
    public void A_read_that_returns_an_overwritten_value_is_not_linearizable() =>
        Assert.Equal(Verdict.NotLinearizable, Check(W("a", 0, 1), W("b", 2, 3), R("a", 4, 5)));

    [Fact]
    public void A_read_of_nothing_after_an_acknowledged_write_is_not_linearizable() =>
        Assert.Equal(Verdict.NotLinearizable, Check(W("a", 0, 1), R(null, 2, 3)));

    [Fact]
    public void A_value_nobody_wrote_is_not_linearizable() =>
        Assert.Equal(Verdict.NotLinearizable, Check(W("a", 0, 1), R("z", 2, 3)));

    [Fact]
    public void Two_readers_that_see_two_concurrent_writes_in_opposite_orders_are_not_linearizable() =>
        Assert.Equal(Verdict.NotLinearizable, Check(
            W("a", 0, 100), W("b", 0, 100),
            R("a", 10, 20), R("b", 30, 40),
            R("b", 10, 20), R("a", 30, 40)));

    [Fact]
    public void Reads_that_go_back_in_time_are_not_linearizable_even_when_every_write_is_concurrent() =>
        Assert.Equal(Verdict.NotLinearizable, Check(W("a", 0, 100), W("b", 0, 100), R("b", 10, 20), R("a", 30, 40), R("b", 50, 60)));

    [Fact]
    public void An_unknown_write_may_take_effect_long_after_the_client_gave_up() =>
        Assert.Equal(Verdict.Linearizable, Check(W("a", 0, 1), W("b", 2, 3, Outcome.Unknown), R("a", 50, 51), R("b", 100, 101), R("b", 200, 201)));

    [Fact]
    public void An_unknown_write_may_never_take_effect() =>
        Assert.Equal(Verdict.Linearizable, Check(W("a", 0, 1), W("b", 2, 3, Outcome.Unknown), R("a", 100, 101), R("a", 200, 201)));

    [Fact]
    public void An_unknown_write_cannot_take_effect_before_it_was_called() =>
        Assert.Equal(Verdict.NotLinearizable, Check(W("a", 0, 1), R("b", 2, 3), W("b", 10, 11, Outcome.Unknown)));

    [Fact]
    public void An_unknown_write_takes_effect_once_and_cannot_come_back_after_a_later_write() =>
        Assert.Equal(Verdict.NotLinearizable, Check(W("b", 0, 1, Outcome.Unknown), R("b", 2, 3), W("c", 4, 5), R("b", 6, 7)));

    [Fact]
    public void A_failed_write_is_never_visible() =>
        Assert.Equal(Verdict.NotLinearizable, Check(W("a", 0, 1), W("b", 2, 3, Outcome.Failed), R("b", 4, 5)));

    [Fact]
    public void A_read_that_did_not_answer_tells_nothing() =>
        Assert.Equal(Verdict.Linearizable, Check(W("a", 0, 1), R("zzz", 2, 3, Outcome.Unknown), R("a", 4, 5)));

    [Fact]
    public void Keys_are_judged_apart_and_the_illegal_one_is_named()
    {
        var result = LinearizabilityChecker.Check([
            W("a", 0, 1, key: "x"), W("b", 2, 3, key: "x"), R("b", 4, 5, key: "x"),
            W("a", 0, 1, key: "y"), W("b", 2, 3, key: "y"), R("a", 4, 5, key: "y")]);
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Equal("y", Assert.Single(result.Failures).Key);
        // The same value name under another key is another value: key x stays legal.
        Assert.Equal(Verdict.Linearizable, result.Keys.Single(k => k.Key == "x").Verdict);
    }

    [Fact]
    public void A_search_that_runs_out_of_budget_answers_unknown_rather_than_guessing()
    {
        var history = new HistoryGenerator(7) { Processes = 8, Keys = 1 }.Generate(400);
        Assert.Equal(Verdict.Linearizable, LinearizabilityChecker.Check(history).Verdict);
        Assert.Equal(Verdict.Unknown, LinearizabilityChecker.Check(history, new CheckBudget(10, TimeSpan.FromMinutes(1))).Verdict);
    }

    [Fact]
    public void The_failing_window_holds_the_stale_read_and_the_write_it_missed()
    {
        var stale = R("a", 40, 41);
        var history = new List<Operation> { W("a", 0, 1), R("a", 2, 3), W("b", 10, 11), R("b", 20, 21), stale, W("c", 50, 51), R("c", 60, 61) };
        var failure = Assert.Single(LinearizabilityChecker.Check(history).Failures);
        Assert.Contains(stale, failure.Window);
        Assert.Contains(failure.Window, o => o.Value == "b");
        Assert.DoesNotContain(failure.Window, o => o.Value == "c");
    }
}
