using System.Collections.Concurrent;
using System.Text;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Node;

/// <summary>Exactly-once client sessions and reads, over real TCP with SQLite journals.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeRequestTests
{
    [Fact]
    public async Task A_proposal_retried_with_the_same_client_and_sequence_is_applied_once_and_answered_with_the_first_result_on_any_node()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var followers = cluster.Nodes.Keys.Where(id => id != leader).ToArray();
        var session = new RequestOptions { ClientId = 7, Sequence = 1 };

        Assert.Equal("", Text(await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set("k", "a"), session)));
        var second = session with { Sequence = 2 };
        Assert.Equal("a", Text(await cluster.Nodes[followers[0]].ProposeAsync("kv", NodeCluster.Set("k", "b"), second)));
        await NodeCluster.WaitUntilAsync(() => cluster.Services.Values.All(s => s.Applied == 2), "every node applied both");

        // Retries of sequence 2: on the leader, on the other follower, several at once on every node.
        // Had any applied again, "set k b" would answer "b" (the value it set the first time).
        Assert.Equal("a", Text(await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set("k", "b"), second)));
        Assert.Equal("a", Text(await cluster.Nodes[followers[1]].ProposeAsync("kv", NodeCluster.Set("k", "b"), second)));
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 9).Select(i =>
            cluster.Nodes[(ulong)(i % 3) + 1].ProposeAsync("kv", NodeCluster.Set("k", "b"), second)));
        Assert.All(concurrent, r => Assert.Equal("a", Text(r)));

        // An older sequence is refused, not applied.
        var stale = await Assert.ThrowsAsync<RaftNodeException>(() => cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set("k", "old"), session));
        Assert.Equal(RaftErrorCode.StaleSequence, stale.Code);

        // The session survives a leader crash (it is replicated state): a retry to the new leader still gets the first answer.
        var third = session with { Sequence = 3 };
        Assert.Equal("b", Text(await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set("k", "c"), third)));
        await NodeCluster.WaitUntilAsync(() => cluster.Services.Values.All(s => s.Applied == 3), "every node applied the third");
        await cluster.CrashNodeAsync(leader);
        var successor = await cluster.WaitForLeaderAsync();
        Assert.Equal("b", Text(await cluster.Nodes[successor].ProposeAsync("kv", NodeCluster.Set("k", "c"), third)));
        Assert.Equal("c", Text(await cluster.Nodes[successor].ProposeAsync("kv", NodeCluster.Set("k", "d"), third with { Sequence = 4 })));

        await NodeCluster.WaitUntilAsync(() => cluster.Nodes.Keys.All(id => cluster.Services[id].Applied == 4), "the survivors applied the fourth");
        foreach (var id in cluster.Nodes.Keys)
        {
            Assert.Equal(4, cluster.Services[id].Applied); // four distinct sequences, each applied once
            Assert.Equal("d", cluster.Services[id].Get("k"));
        }
    }

    [Fact]
    public async Task A_linearizable_read_on_a_follower_sees_the_write_acknowledged_just_before()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var followers = cluster.Nodes.Keys.Where(id => id != leader).ToArray();

        for (var i = 0; i < 100; i++)
        {
            // Acknowledged by the leader as soon as it applies: the followers may not have applied it yet.
            await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set("counter", $"{i}"));
            var reader = cluster.Nodes[followers[i % 2]];
            Assert.Equal($"{i}", Text(await reader.QueryAsync("kv", Encoding.UTF8.GetBytes("counter"))));
        }

        // And the other way round: written through a follower, read on the other follower and on the leader.
        for (var i = 0; i < 20; i++)
        {
            await cluster.Nodes[followers[0]].ProposeAsync("kv", NodeCluster.Set("other", $"{i}"));
            Assert.Equal($"{i}", Text(await cluster.Nodes[followers[1]].QueryAsync("kv", Encoding.UTF8.GetBytes("other"))));
            Assert.Equal($"{i}", Text(await cluster.Nodes[leader].QueryAsync("kv", Encoding.UTF8.GetBytes("other"))));
        }
    }

    [Fact]
    public async Task A_stale_read_answers_from_the_local_copy_even_when_the_node_is_cut_off_from_the_quorum()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.Keys.First(id => id != leader);
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("k", 20, acknowledged);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        Assert.Equal("v19", Text(await cluster.Nodes[follower].QueryAsync("kv", Encoding.UTF8.GetBytes("k19"), ReadConsistency.Stale)));

        foreach (var other in cluster.Nodes.Keys.Where(id => id != follower).ToArray()) await cluster.CrashNodeAsync(other);
        var alone = cluster.Nodes[follower];
        // No quorum: a linearizable read cannot be confirmed, but the local copy is still served.
        var refused = await Assert.ThrowsAsync<RaftNodeException>(() =>
            alone.QueryAsync("kv", Encoding.UTF8.GetBytes("k19"), ReadConsistency.Linearizable, TimeSpan.FromMilliseconds(500)));
        Assert.Equal(RaftErrorCode.Timeout, refused.Code);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"v{i}", Text(await alone.QueryAsync("kv", Encoding.UTF8.GetBytes($"k{i}"), ReadConsistency.Stale, TimeSpan.FromSeconds(1))));
        }
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}

/// <summary>A proposal must fit one peer frame: the largest accepted one replicates everywhere, a larger one is refused at once.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class ProposalSizeTests
{
    [Fact]
    public async Task The_largest_accepted_proposal_replicates_to_every_node_and_one_byte_more_is_refused_and_changes_nothing()
    {
        await using var cluster = new NodeCluster { Customize = (_, o) => o with { MaxProposalBytes = 200_000 } };
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.Keys.First(id => id != leader);
        var prefix = System.Text.Encoding.UTF8.GetByteCount("set big ");
        var largest = NodeCluster.Set("big", new string('x', 200_000 - prefix));
        Assert.Equal(200_000, largest.Length);

        await cluster.Nodes[follower].ProposeAsync("kv", largest);
        await NodeCluster.WaitUntilAsync(() => cluster.Services.Values.All(s => s.Get("big")?.Length == 200_000 - prefix),
            "every node applied the largest accepted proposal");

        var tooLarge = NodeCluster.Set("too-big", new string('x', 200_001 - prefix));
        var refused = await Assert.ThrowsAsync<RaftNodeException>(() => cluster.Nodes[leader].ProposeAsync("kv", tooLarge));
        Assert.Equal(RaftErrorCode.BadRequest, refused.Code);
        Assert.Contains("200000", refused.Message, StringComparison.Ordinal);
        await cluster.Nodes[leader].ProposeAsync("kv", NodeCluster.Set("after", "1"));
        await NodeCluster.WaitUntilAsync(() => cluster.Services.Values.All(s => s.Get("after") == "1"), "a later write went through");
        Assert.All(cluster.Services.Values, s => Assert.Null(s.Get("too-big")));
    }

    [Fact]
    public async Task In_a_user_system_with_akkas_default_frame_size_proposals_are_bounded_by_what_a_frame_carries()
    {
        var port = NodeCluster.FreePort();
        var system = Akka.Actor.ActorSystem.Create("raft", Akka.Configuration.ConfigurationFactory.ParseString(
            $"akka.actor.provider = remote\nakka.remote.dot-netty.tcp {{ hostname = \"127.0.0.1\", port = {port} }}"));
        var folder = Path.Combine(Path.GetTempPath(), "raftactors-size-" + Guid.NewGuid().ToString("N"));
        try
        {
            var node = await RaftExtension.Get(system).StartNodeAsync(new RaftNodeOptions
            {
                NodeId = 1, DataDirectory = folder, ClusterId = "size", Secret = NodeCluster.Secret,
            }, [new KeyValueTestService()]);
            Assert.True(node.MaxProposalBytes < 128_000, $"max proposal {node.MaxProposalBytes} does not fit Akka's default 128000-byte frame");
            await node.ProposeAsync("kv", NodeCluster.Set("fits", new string('x', (int)node.MaxProposalBytes - 16)));
            var refused = await Assert.ThrowsAsync<RaftNodeException>(() => node.ProposeAsync("kv", new byte[node.MaxProposalBytes + 1]));
            Assert.Equal(RaftErrorCode.BadRequest, refused.Code);
        }
        finally
        {
            await system.Terminate();
            Directory.Delete(folder, recursive: true);
        }
    }
}
