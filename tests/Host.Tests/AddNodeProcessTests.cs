using System.Net;
using System.Text.Json;
using RaftActors.Host.Tests.Support;
using Xunit.Abstractions;

namespace RaftActors.Host.Tests;

/// <summary>
/// eosc's <c>POST /raft/api/addNode</c> on a live node, with real processes: the operator reserves an id for
/// a peer address, the node started at that address with <c>--join</c> is given exactly that id, enters as
/// a learner, is promoted once caught up and holds the data. Adding a member's id again is refused with
/// 409 110004 and changes nothing; once deleted, the id is never handed out again, neither by addNode nor
/// to a node joining from the same address.
/// </summary>
public sealed class AddNodeProcessTests(ITestOutputHelper output)
{
    private const ulong AddedId = 7;

    private static string[] Standalone(int http, int peer, string data) =>
        ["--http-port", $"{http}", "--host", $"127.0.0.1:{peer}", "--data-dir", data, .. TestCluster.Common("addnode-test")];

    private static string[] Joiner(int http, string peer, string data, string target) =>
        ["--http-port", $"{http}", "--host", peer, "--data-dir", data, "--join", "--target", target, .. TestCluster.Common("addnode-test")];

    [Fact]
    public async Task AddNode_reserves_an_id_the_joiner_gets_and_a_deleted_id_is_never_reused()
    {
        await using var cluster = new TestCluster();
        try
        {
            var first = cluster.Add("first", Standalone);
            await cluster.WaitHealthyAsync(first);
            for (var i = 0; i < 5; i++) Assert.True((await first.Api.SetAsync($"k{i}", $"v{i}")).Ok);

            var addedPeer = $"127.0.0.1:{TestPorts.Free(1)[0]}";
            var added = await first.Api.PostJsonAsync("/raft/api/addNode", $"{{\"id\": {AddedId}, \"host\": \"{addedPeer}\"}}");
            Assert.True(added.Ok, added.ToString());
            Assert.Contains(AddedId, Ids(added.Data!.Value.GetProperty("learners")));
            Assert.DoesNotContain(AddedId, Ids(added.Data!.Value.GetProperty("voters")));

            var second = cluster.Add("second", (http, _, data) => Joiner(http, addedPeer, data, first.Api.BaseUrl));
            await cluster.WaitHealthyAsync(second);
            Assert.Equal(AddedId, await second.IdAsync());
            await Poll.UntilAsync(async () => (await MembersAsync(first)).TryGetValue(AddedId, out var voter) && voter,
                TestCluster.Deadline, $"node {AddedId} to be promoted to voter");
            for (var i = 0; i < 5; i++) Assert.Equal($"v{i}", await second.Api.ValueAsync($"k{i}"));
            Assert.True((await second.Api.SetAsync("via-added", "yes")).Ok);
            Assert.Equal("yes", await first.Api.ValueAsync("via-added"));
            // The added node records its HTTP URL in the registry; wait for it so the log is quiet before comparing.
            await Poll.UntilAsync(async () => (await first.Api.StatusAsync()).Data!.Value.GetProperty("members").EnumerateArray()
                .Any(m => m.GetProperty("id").GetUInt64() == AddedId && m.TryGetProperty("http", out _)), TestCluster.Deadline, "the added node to register");

            // The id of a member, at its own address or another: 409 110004, nothing proposed.
            foreach (var host in new[] { addedPeer, $"127.0.0.1:{TestPorts.Free(1)[0]}" })
            {
                var before = await SnapshotAsync(first);
                var duplicate = await first.Api.PostJsonAsync("/raft/api/addNode", $"{{\"id\": {AddedId}, \"host\": \"{host}\"}}");
                Assert.True(duplicate.Status == HttpStatusCode.Conflict && duplicate.Code == "110004", duplicate.ToString());
                Assert.Equal("not-applied", duplicate.Data?.GetProperty("outcome").GetString());
                Assert.Equal(before, await SnapshotAsync(first));
            }

            var deleted = await first.Api.PostJsonAsync("/raft/api/deleteNode", $"{{\"id\": {AddedId}}}");
            Assert.True(deleted.Ok, deleted.ToString());
            await Poll.UntilAsync(async () => !(await MembersAsync(first)).ContainsKey(AddedId), TestCluster.Deadline, $"node {AddedId} to be removed");
            second.Process.Kill();

            // addNode of the deleted id, even at its old address: refused before anything is proposed, so the log,
            // the membership and the peer list stay as they are.
            var membersBefore = await MembersAsync(first);
            var beforeReuse = await SnapshotAsync(first);
            var reused = await first.Api.PostJsonAsync("/raft/api/addNode", $"{{\"id\": {AddedId}, \"host\": \"{addedPeer}\"}}");
            Assert.True(reused.Status == HttpStatusCode.Conflict && reused.Code == "110004", reused.ToString());
            Assert.Contains("never reused", reused.Error, StringComparison.Ordinal);
            Assert.Equal(membersBefore, await MembersAsync(first));
            Assert.Equal(beforeReuse, await SnapshotAsync(first));
            Assert.Single((await first.Api.PeersAsync()).Data!.Value.EnumerateObject());

            // A fresh node joining from the deleted node's address gets a new id, never the deleted one.
            var third = cluster.Add("third", (http, _, data) => Joiner(http, addedPeer, data, first.Api.BaseUrl));
            await cluster.WaitHealthyAsync(third);
            var thirdId = await third.IdAsync();
            Assert.True(thirdId > AddedId, $"the rejoining node got id {thirdId}; {AddedId} was deleted and must not be reused");
            await Poll.UntilAsync(async () => (await MembersAsync(first)).TryGetValue(thirdId, out var voter) && voter,
                TestCluster.Deadline, $"node {thirdId} to be promoted");
            Assert.Equal("yes", await third.Api.ValueAsync("via-added"));
        }
        catch
        {
            output.WriteLine(cluster.Dump());
            throw;
        }
    }

    private static List<ulong> Ids(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetUInt64())];

    /// <summary>Member id → voter, as the first node's configuration holds it.</summary>
    private static async Task<SortedDictionary<ulong, bool>> MembersAsync(TestNode node)
    {
        var status = await node.Api.StatusAsync();
        Assert.True(status.Ok, status.ToString());
        return new(status.Data!.Value.GetProperty("members").EnumerateArray()
            .ToDictionary(m => m.GetProperty("id").GetUInt64(), m => m.GetProperty("voter").GetBoolean()));
    }

    /// <summary>Everything a refused addNode must leave alone: the log's last index, the members and the peer list.</summary>
    private static async Task<string> SnapshotAsync(TestNode node)
    {
        var status = (await node.Api.StatusAsync()).Data!.Value;
        var members = string.Join(",", status.GetProperty("members").EnumerateArray()
            .Select(m => $"{m.GetProperty("id").GetUInt64()}:{m.GetProperty("address").GetString()}:{m.GetProperty("voter").GetBoolean()}"));
        return $"last={status.GetProperty("lastIndex").GetUInt64()} members={members} peers={(await node.Api.PeersAsync()).Raw}";
    }
}
