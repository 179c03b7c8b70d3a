using RaftActors.Jepsen.Checker;
using RaftActors.Jepsen.Harness;

namespace RaftActors.Jepsen.Tests;

/// <summary>How the final reads after healing count acknowledged writes that are gone.</summary>
public sealed class LostWritesTests
{
    private static Operation W(int id, string value, long from, long to, Outcome outcome = Outcome.Ok) => new(id, 0, "k", OpKind.Write, value, from, to, outcome);

    private static Operation Final(int id, string? value, long at) => new(id, -2, "k", OpKind.Read, value, at, at + 1, Outcome.Ok);

    [Fact]
    public void A_final_value_from_the_last_acknowledged_write_loses_nothing()
    {
        List<Operation> history = [W(1, "a", 0, 1), W(2, "b", 2, 3), Final(3, "b", 10)];
        Assert.Empty(LostWrites.Find(history, [history[2]]));
    }

    [Fact]
    public void A_final_value_older_than_an_acknowledged_write_loses_that_write()
    {
        List<Operation> history = [W(1, "a", 0, 1), W(2, "b", 2, 3), Final(3, "a", 10)];
        Assert.Equal(2, Assert.Single(LostWrites.Find(history, [history[2]])).Id);
    }

    [Fact]
    public void An_empty_key_after_acknowledged_writes_loses_them_all() =>
        Assert.Equal(2, LostWrites.Find([W(1, "a", 0, 1), W(2, "b", 2, 3)], [Final(3, null, 10)]).Count);

    [Fact]
    public void Concurrent_writes_and_an_unknown_write_may_each_be_the_last()
    {
        List<Operation> history = [W(1, "a", 0, 5), W(2, "b", 1, 6), W(3, "c", 7, 8, Outcome.Unknown)];
        Assert.Empty(LostWrites.Find(history, [Final(4, "a", 10)]));
        Assert.Empty(LostWrites.Find(history, [Final(4, "c", 10)]));
    }
}
