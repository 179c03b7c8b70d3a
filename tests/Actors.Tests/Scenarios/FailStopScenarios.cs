using Akka.Actor;
using Microsoft.Data.Sqlite;
using RaftActors.Actors.Runtime;
using RaftActors.Actors.Tests.Node;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// A damaged journal found on reading and a violated core invariant stop the node for good (fail-stop), like a
/// failed write: its Completion faults with the cause. A restart would rebuild the RaftActor and go on, and
/// Completion would not fault. (After recovery the log is served from memory: nothing reads the journal again,
/// so a lagging follower's entries cannot meet a damaged row after start.)
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class FailStopScenarios
{
    [Fact]
    public async Task A_node_whose_journal_holds_a_damaged_row_refuses_to_start_naming_the_journal_instead_of_restarting()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1);
        await cluster.WaitForLeaderAsync();
        for (var i = 0; i < 20; i++) await cluster.Nodes[1].ProposeAsync("kv", NodeCluster.Set($"k{i}", "v"));
        await cluster.StopNodeAsync(1);

        DamageMiddleRow(Path.Combine(cluster.DataDirectory(1), "journal.db"));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => cluster.RestartNodeAsync(1).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("journal", error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(cluster.Nodes.ContainsKey(1));
    }

    [Fact]
    public async Task A_follower_that_breaks_an_invariant_while_handling_a_Ready_stops_with_it_as_cause_and_the_cluster_goes_on()
    {
        await using var cluster = new NodeCluster();
        await cluster.StartAsync(1, 2, 3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.Keys.First(id => id != leader);
        var node = cluster.Nodes[follower];
        await node.ProposeAsync("kv", NodeCluster.Set("before", "v"));

        // A snapshot from the current leader whose payload never arrived: the core installs it, and the Ready that
        // must persist it finds no payload, an invariant of the runtime (the payload always comes first).
        var refs = new TaskCompletionSource<(IActorRef Raft, IActorRef Service)>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.RootActor.Tell(new RaftRefRequest(refs));
        var (raft, _) = await refs.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var status = await node.GetStatusAsync();
        raft.Tell(new PeerMessagesReceived(leader, [new RaftMessage
        {
            Type = MessageType.Snapshot, From = leader, To = follower, Term = status.Term,
            Snapshot = new Snapshot(new SnapshotMetadata(status.LastIndex + 100, status.Term, new ConfState([1, 2, 3]))),
        }]));

        var stopped = await Assert.ThrowsAnyAsync<Exception>(() => node.Completion.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("its payload was never received", stopped.ToString(), StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => node.ProposeAsync("kv", NodeCluster.Set("after", "x")));
        cluster.Nodes.Remove(follower);

        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("after-", 20, acknowledged, via: leader);
        await cluster.WaitForAllToHoldAsync(acknowledged);
        await node.DisposeAsync();
    }

    /// <summary>Flips one byte of the payload of the journal's middle event (its CRC no longer matches).</summary>
    private static void DamageMiddleRow(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT rowid, payload FROM journal_events ORDER BY sequence_nr LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM journal_events)";
        using var reader = read.ExecuteReader();
        Assert.True(reader.Read(), "the journal holds no events");
        var rowid = reader.GetInt64(0);
        var payload = (byte[])reader.GetValue(1);
        reader.Close();
        payload[payload.Length / 2] ^= 0x5a;
        using var write = connection.CreateCommand();
        write.CommandText = "UPDATE journal_events SET payload = $payload WHERE rowid = $rowid";
        write.Parameters.AddWithValue("$payload", payload);
        write.Parameters.AddWithValue("$rowid", rowid);
        Assert.Equal(1, write.ExecuteNonQuery());
    }
}
