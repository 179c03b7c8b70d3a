using RaftActors.Host.Tests.Support;
using Xunit.Abstractions;

namespace RaftActors.Host.Tests;

/// <summary>
/// eosc's standalone → cluster story with real processes: a standalone node with data is joined by a second
/// and a third node (the third through a follower), all hold the data, deleteNode removes a node, and leave
/// returns a node to standalone with its data.
/// </summary>
public sealed class JoinProcessTests(ITestOutputHelper output)
{
    private static string[] Standalone(int http, int peer, string data) =>
        ["--http-port", $"{http}", "--host", $"127.0.0.1:{peer}", "--data-dir", data, .. TestCluster.Common("join-test")];

    private static string[] Joiner(int http, int peer, string data, string target) =>
        ["--http-port", $"{http}", "--host", $"http://127.0.0.1:{peer}", "--data-dir", data, "--join", "--target", target, .. TestCluster.Common("join-test")];

    [Fact]
    public async Task Standalone_node_with_data_is_joined_twice_then_shrinks_by_deleteNode_and_leave()
    {
        await using var cluster = new TestCluster();
        try
        {
            var first = cluster.Add("first", Standalone);
            await cluster.WaitHealthyAsync(first);
            for (var i = 0; i < 5; i++) Assert.True((await first.Api.SetAsync($"k{i}", $"v{i}")).Ok);

            var second = cluster.Add("second", (http, peer, data) => Joiner(http, peer, data, first.Api.BaseUrl));
            await cluster.WaitHealthyAsync(second);
            var third = cluster.Add("third", (http, peer, data) => Joiner(http, peer, data, second.Api.BaseUrl));
            await cluster.WaitHealthyAsync(third);

            var ids = new[] { await first.IdAsync(), await second.IdAsync(), await third.IdAsync() };
            Assert.Equal(3, ids.Distinct().Count());
            Assert.Equal(1ul, ids[0]);
            // Joiners enter as learners and are promoted once caught up.
            await Poll.UntilAsync(async () =>
            {
                var status = await first.Api.StatusAsync();
                var members = status.Data!.Value.GetProperty("members").EnumerateArray().ToList();
                return members.Count == 3 && members.All(m => m.GetProperty("voter").GetBoolean());
            }, TestCluster.Deadline, "three voters");
            foreach (var node in cluster.Nodes)
            {
                for (var i = 0; i < 5; i++) Assert.Equal($"v{i}", await node.Api.ValueAsync($"k{i}"));
            }
            Assert.True((await third.Api.SetAsync("from-third", "x")).Ok);
            Assert.Equal("x", await first.Api.ValueAsync("from-third"));

            var deleted = await first.Api.PostJsonAsync("/raft/api/deleteNode", $"{{\"id\": {ids[2]}}}");
            Assert.True(deleted.Ok, deleted.ToString());
            await Poll.UntilAsync(async () => !(await first.Api.PeersAsync()).Data!.Value.TryGetProperty($"{ids[2]}", out _),
                TestCluster.Deadline, "the deleted node to leave the peer list");

            var left = await second.Api.PostJsonAsync("/raft/api/leave", "{}");
            Assert.True(left.Ok, left.ToString());
            var secondStatus = await second.Api.StatusAsync();
            Assert.Equal("standalone", secondStatus.Data!.Value.GetProperty("mode").GetString());
            for (var i = 0; i < 5; i++) Assert.Equal($"v{i}", await second.Api.ValueAsync($"k{i}"));
            Assert.Equal("x", await second.Api.ValueAsync("from-third"));
            Assert.True((await second.Api.SetAsync("alone", "yes")).Ok);
            await Poll.UntilAsync(async () => !(await first.Api.PeersAsync()).Data!.Value.TryGetProperty($"{ids[1]}", out _),
                TestCluster.Deadline, "the node that left to leave the peer list");
            Assert.True((await first.Api.SetAsync("first-alone", "yes")).Ok);
            Assert.Null(await first.Api.ValueAsync("alone", "stale"));
        }
        catch
        {
            output.WriteLine(cluster.Dump());
            throw;
        }
    }

    [Fact]
    public async Task Node_with_data_refuses_to_join_unless_told_to_discard_it()
    {
        await using var cluster = new TestCluster();
        try
        {
            var target = cluster.Add("target", Standalone);
            await cluster.WaitHealthyAsync(target);
            Assert.True((await target.Api.SetAsync("shared", "1")).Ok);

            var other = cluster.Add("other", Standalone);
            await cluster.WaitHealthyAsync(other);
            Assert.True((await other.Api.SetAsync("mine", "2")).Ok);
            other.Process.Signal("TERM");
            Assert.Equal(0, await other.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));

            var otherArgs = other.Process.Args;
            var refused = HostProcess.Start("refused", [.. otherArgs, "--join", "--target", target.Api.BaseUrl], TestCluster.Secret);
            await using (refused)
            {
                Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
                Assert.Contains("--discard-data", refused.Output, StringComparison.Ordinal);
            }

            var discarding = cluster.Add("discarding", (http, peer, data) =>
                ["--http-port", $"{http}", "--host", $"127.0.0.1:{peer}", "--data-dir", other.DataDir, "--join", "--target", target.Api.BaseUrl,
                 "--discard-data", .. TestCluster.Common("join-test")]);
            await cluster.WaitHealthyAsync(discarding);
            await Poll.UntilAsync(async () => await discarding.Api.ValueAsync("shared", "stale") == "1", TestCluster.Deadline, "the joiner to catch up");
            Assert.Null(await discarding.Api.ValueAsync("mine", "stale"));
        }
        catch
        {
            output.WriteLine(cluster.Dump());
            throw;
        }
    }
}
