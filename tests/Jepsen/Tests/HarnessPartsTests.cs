using System.Text;
using RaftActors.Jepsen.Checker;
using RaftActors.Jepsen.Harness;

namespace RaftActors.Jepsen.Tests;

/// <summary>The harness's pure parts: the majorities-ring shape, the journal damage, the failing-window printout, a node's failure report.</summary>
public sealed class HarnessPartsTests
{
    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void In_a_majorities_ring_every_node_sees_a_majority_and_no_two_see_the_same_one(int n)
    {
        var cuts = PartitionShapes.MajoritiesRing(n).ToHashSet();
        var views = Enumerable.Range(0, n)
            .Select(i => Enumerable.Range(0, n).Where(j => j == i || !cuts.Contains((Math.Min(i, j), Math.Max(i, j)))).ToHashSet())
            .ToList();
        Assert.All(views, view => Assert.True(view.Count >= n / 2 + 1, $"a view of {view.Count} of {n} is not a majority"));
        Assert.All(views, view => Assert.True(view.Count < n, "a node that sees everyone makes this no partition"));
        for (var a = 0; a < n; a++)
        {
            for (var b = a + 1; b < n; b++) Assert.False(views[a].SetEquals(views[b]), $"nodes {a} and {b} see the same majority");
        }
    }

    [Fact]
    public void In_a_ring_of_five_each_node_is_cut_from_exactly_the_two_across_it()
    {
        var cuts = PartitionShapes.MajoritiesRing(5);
        Assert.Equal([(0, 2), (0, 3), (1, 3), (1, 4), (2, 4)], cuts);
    }

    [Fact]
    public void The_journal_damage_flips_one_byte_inside_the_marker_and_nothing_else()
    {
        var file = Path.GetTempFileName();
        try
        {
            var before = Encoding.UTF8.GetBytes(new string('a', 1000) + "journal-marker-0001-00ff" + new string('b', 1000));
            File.WriteAllBytes(file, before);
            var position = JournalDamage.FlipInside(file, "journal-marker-0001-00ff");
            var after = File.ReadAllBytes(file);
            Assert.InRange(position, 1000, 1000 + 24 - 1);
            Assert.Equal(before.Length, after.Length);
            Assert.Equal([(int)position], Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_journal_damage_refuses_a_file_without_the_marker_and_leaves_it_alone()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "nothing of interest");
            var error = Assert.Throws<InvalidOperationException>(() => JournalDamage.FlipInside(file, "journal-marker-0002"));
            Assert.Contains(file, error.Message, StringComparison.Ordinal);
            Assert.Equal("nothing of interest", File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_failing_window_printout_lists_the_writes_whose_values_its_reads_returned()
    {
        // a is written, then b; a read after both returns a: the window is "set b, get a" and the write of a is outside it.
        List<Operation> history =
        [
            new(1, 0, "k", OpKind.Write, "a", 0, 10, Outcome.Ok, 1),
            new(2, 1, "k", OpKind.Write, "b", 20, 30, Outcome.Ok, 2),
            new(3, 2, "k", OpKind.Read, "a", 40, 50, Outcome.Ok, 3),
        ];
        var check = LinearizabilityChecker.Check(history);
        var report = new JepsenReport(new JepsenOptions(1, 3, TimeSpan.Zero, TimeSpan.Zero, 1, 1), null, history, [], 0, [], check, TimeSpan.Zero, []);
        var window = Assert.Single(check.Failures).Window;
        Assert.DoesNotContain(window, o => o.Id == 1);

        var text = report.Explain();
        var sources = text[text.IndexOf("the writes whose values its reads returned:", StringComparison.Ordinal)..];
        Assert.Contains($"{history[0]} (outside the window)", sources, StringComparison.Ordinal);
    }

    [Fact]
    public void A_nodes_report_keeps_its_warnings_after_they_left_the_tail()
    {
        using var node = new NodeProcess(1, [], "secret", null);
        node.Keep("10:00:00.000 warn: RaftActors.Raft[1011] node 1: a journal write has been pending for 2000 ms");
        for (var i = 0; i < 300; i++) node.Keep($"10:00:01.000 info: RaftActors.Raft[1000] node 1: line {i}");
        var report = node.Report();
        Assert.StartsWith("(warnings and errors)\n10:00:00.000 warn:", report, StringComparison.Ordinal);
        Assert.Contains("line 299", report, StringComparison.Ordinal);
        Assert.DoesNotContain("line 99\n", report, StringComparison.Ordinal);
        Assert.DoesNotContain("pending", node.Tail(), StringComparison.Ordinal);
    }
}
