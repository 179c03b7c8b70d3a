using RaftActors.Host.Node;
using RaftActors.Host.Tests.Support;
using Xunit.Abstractions;

namespace RaftActors.Host.Tests;

/// <summary>
/// A node leaving for standalone keeps its old journal until the new one holds the data: a refused init entry
/// stops the host visibly (instead of answering 503 for good) with the data still there, and a swap that a
/// crash interrupted is finished or undone at the next start.
/// </summary>
public sealed class LeaveTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string[] Node(int http, int peer, string data, params string[] extra) =>
        ["--http-port", $"{http}", "--host", $"127.0.0.1:{peer}", "--data-dir", data, "--max-body-bytes", "2000000", .. TestCluster.Common("leave-test"), .. extra];

    [Fact]
    public async Task A_leave_whose_data_does_not_fit_one_init_entry_stops_the_host_and_the_journal_keeps_the_data()
    {
        await using var cluster = new TestCluster();
        try
        {
            var first = cluster.Add("first", (http, peer, data) => Node(http, peer, data));
            await cluster.WaitHealthyAsync(first);
            var second = cluster.Add("second", (http, peer, data) => Node(http, peer, data, "--join", "--target", first.Api.BaseUrl));
            await cluster.WaitHealthyAsync(second);
            // Each write fits one proposal (1 MiB); together they do not, so the standalone node's init entry is refused.
            var big = new string('x', 600_000);
            Assert.True((await first.Api.SetAsync("big1", big)).Ok);
            Assert.True((await first.Api.SetAsync("big2", big)).Ok);
            Assert.True((await first.Api.SetAsync("small", "kept")).Ok);
            await Poll.UntilAsync(async () => await second.Api.ValueAsync("small", "stale") == "kept", TestCluster.Deadline, "the joiner to catch up");

            try
            {
                var left = await second.Api.PostJsonAsync("/raft/api/leave", "{}");
                Assert.False(left.Ok, left.ToString());
            }
            catch (HttpRequestException)
            {
                // The host may stop before the reply is out.
            }
            Assert.Equal(3, await second.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("could not carry the data into standalone mode after leaving", second.Process.Output, StringComparison.Ordinal);
            Assert.True(Directory.Exists(NodeStateFile.JournalDir(second.DataDir)));
            Assert.False(Directory.Exists(NodeStateFile.NextJournalDir(second.DataDir)));

            // The journal was not wiped: the node restarted on it still holds every write.
            second.Process.Restart(TestCluster.Secret);
            await cluster.WaitHealthyAsync(second);
            Assert.Equal("kept", await second.Api.ValueAsync("small", "stale"));
            Assert.Equal(big, await second.Api.ValueAsync("big2", "stale"));
            // The cluster carries on without it.
            Assert.True((await first.Api.SetAsync("after", "1")).Ok);
        }
        catch
        {
            output.WriteLine(cluster.Dump());
            throw;
        }
    }

    private static void Journal(string folder, string marker)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "journal.db"), marker);
    }

    private static string? Marker(string folder) =>
        File.Exists(Path.Combine(folder, "journal.db")) ? File.ReadAllText(Path.Combine(folder, "journal.db")) : null;

    [Fact]
    public void A_next_journal_that_was_never_swapped_in_is_dropped_and_the_current_one_kept()
    {
        var data = _dir.Sub("before-swap");
        Journal(NodeStateFile.JournalDir(data), "old");
        Journal(NodeStateFile.NextJournalDir(data), "half-written");
        NodeStateFile.RecoverJournalSwap(data);
        Assert.Equal("old", Marker(NodeStateFile.JournalDir(data)));
        Assert.False(Directory.Exists(NodeStateFile.NextJournalDir(data)));
    }

    [Fact]
    public void A_swap_cut_between_its_two_renames_is_finished()
    {
        var data = _dir.Sub("between-renames");
        Journal(NodeStateFile.OldJournalDir(data), "old");
        Journal(NodeStateFile.NextJournalDir(data), "new");
        NodeStateFile.RecoverJournalSwap(data);
        Assert.Equal("new", Marker(NodeStateFile.JournalDir(data)));
        Assert.False(Directory.Exists(NodeStateFile.OldJournalDir(data)));
        Assert.False(Directory.Exists(NodeStateFile.NextJournalDir(data)));
    }

    [Fact]
    public void A_swap_cut_before_the_old_journal_was_deleted_keeps_the_new_one()
    {
        var data = _dir.Sub("after-renames");
        Journal(NodeStateFile.OldJournalDir(data), "old");
        Journal(NodeStateFile.JournalDir(data), "new");
        NodeStateFile.RecoverJournalSwap(data);
        Assert.Equal("new", Marker(NodeStateFile.JournalDir(data)));
        Assert.False(Directory.Exists(NodeStateFile.OldJournalDir(data)));
    }

    [Fact]
    public void A_swap_puts_the_next_journal_in_place_and_syncs_the_folder()
    {
        var data = _dir.Sub("swap");
        Journal(NodeStateFile.JournalDir(data), "old");
        Journal(NodeStateFile.NextJournalDir(data), "new");
        var synced = new System.Collections.Concurrent.ConcurrentBag<string>();
        void OnSynced(string folder) => synced.Add(folder);
        DurableFiles.FolderSynced += OnSynced;
        try
        {
            NodeStateFile.SwapJournal(data);
        }
        finally
        {
            DurableFiles.FolderSynced -= OnSynced;
        }
        Assert.Equal("new", Marker(NodeStateFile.JournalDir(data)));
        Assert.False(Directory.Exists(NodeStateFile.OldJournalDir(data)));
        Assert.False(Directory.Exists(NodeStateFile.NextJournalDir(data)));
        Assert.Equal(2, synced.Count(f => f == Path.GetFullPath(data)));
    }
}
