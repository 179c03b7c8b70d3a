using RaftActors.Core;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scenarios;

/// <summary>
/// Lease-based reads on the simulated clock: the lease must end before any other leader can be elected,
/// however the partition falls relative to the leader's check-quorum window.
/// </summary>
public sealed class LeaseReadScenarios
{
    private static readonly SimulatedClusterOptions Lease = new() { ReadOnlyOption = ReadOnlyOption.LeaseBased };

    [Fact]
    public void A_deposed_leader_serves_no_lease_read_once_a_successor_has_committed_a_write()
    {
        var overlaps = 0;
        var stale = new List<string>();
        // Partition the leader at every phase of its check-quorum window: in some, the majority elects a
        // successor (as early as the voters' guard allows) well before the old leader notices and steps down.
        for (var seed = 1; seed <= 4; seed++)
        {
            for (var offset = 0; offset < 2 * Lease.ElectionTick; offset++)
            {
                var cluster = new SimulatedCluster(seed, Lease);
                cluster.AddNodes(3);
                var old = cluster.AwaitLeader();
                cluster.Stabilize();
                cluster.Tick(offset);
                cluster.Check(cluster[old].Raft.Role == StateRole.Leader, "the leader still leads before the partition");
                var oldTerm = cluster[old].Raft.Term;
                cluster.Isolate(old);
                var others = cluster.Nodes.Keys.Where(id => id != old).ToArray();
                var successor = cluster.AwaitNewLeader(others, oldTerm, maxTicks: 20 * Lease.ElectionTick);
                cluster.Equal(ProposeResult.Accepted, cluster.Propose(successor, $"x={offset}"), "a write at the successor");
                cluster.Stabilize();
                var written = cluster[successor].Raft.LastIndex;
                cluster.Check(cluster[successor].Raft.CommitIndex >= written, "the successor committed the write");
                if (cluster[old].Raft.Role != StateRole.Leader) continue;

                overlaps++;
                cluster[old].ReadStates.Clear();
                cluster.ReadIndex(old, "after-the-write");
                if (cluster[old].ReadStates.Any(r => r.Index < written))
                {
                    stale.Add($"seed {seed} offset {offset}: read index {cluster[old].ReadStates[0].Index} < committed write {written}");
                }
            }
        }
        Assert.True(overlaps > 0, "no run left the old leader leading after its successor's write: the scenario was not reached");
        Assert.True(stale.Count == 0, $"the deposed leader served stale lease reads in {stale.Count} of {overlaps} runs: {string.Join("; ", stale)}");
    }

    [Fact]
    public void A_leader_whose_lease_ran_out_serves_the_read_after_a_heartbeat_round_instead()
    {
        var cluster = new SimulatedCluster(21, Lease);
        cluster.AddNodes(3);
        var leader = cluster.AwaitLeader();
        cluster.Stabilize();
        // The lease starts with the first heartbeat round a quorum answers.
        cluster.Tick();
        cluster.Isolate(leader);
        cluster.ReadIndex(leader, "fresh");
        cluster.Check(cluster[leader].ReadStates.Count == 1, "inside the lease the read needs no round trip");

        // ElectionTick - 1 - drift = 8 ticks after the last answered heartbeat the lease is over, while
        // check-quorum has not yet deposed the leader.
        cluster.Tick(Lease.ElectionTick - 2);
        cluster.Check(cluster[leader].Raft.Role == StateRole.Leader, "the isolated leader has not stepped down yet");
        cluster[leader].ReadStates.Clear();
        cluster.ReadIndex(leader, "lapsed");
        cluster.Stabilize();
        cluster.Check(cluster[leader].ReadStates.Count == 0, "outside the lease the read waits for a quorum");

        cluster.Heal();
        cluster.Tick();
        cluster.Check(cluster[leader].ReadStates.Count == 1, "the next heartbeat carries the read's round and the quorum's answers confirm it");
    }

    [Fact]
    public void Voters_that_restart_keep_the_lease_promise_for_an_election_timeout()
    {
        var cluster = new SimulatedCluster(31, Lease);
        cluster.AddNodes(5);
        var leader = cluster.AwaitLeader();
        cluster.Stabilize();
        cluster.Tick();
        var others = cluster.Nodes.Keys.Where(id => id != leader).ToArray();
        var (restarted1, restarted2, candidate) = (others[0], others[1], others[2]);
        // Two voters that answered the leader's last heartbeat crash and come back at once: they forgot
        // the leader they heard, but not the promise their answer made.
        cluster.Crash(restarted1);
        cluster.Crash(restarted2);
        cluster.Restart(restarted1);
        cluster.Restart(restarted2);
        cluster.Isolate(leader);
        cluster.Campaign(candidate);
        cluster.Check(cluster[candidate].Raft.Role != StateRole.Leader,
            "a candidate won with the votes of voters that restarted inside the leader's lease");

        cluster.ReadIndex(leader, "in-lease");
        cluster.Check(cluster[leader].ReadStates.Count == 1, "the lease still serves the read");
        cluster.Check(cluster.Nodes.Values.All(n => n.Raft.CommitIndex <= cluster[leader].ReadStates[0].Index),
            "no write committed anywhere beyond the lease read's index");
    }

    [Fact]
    public void A_lease_shorter_than_one_tick_is_refused()
    {
        static RaftConfig Config(int drift) => new()
        {
            Id = 1, Storage = Storage.MemoryStorage.WithMembers(new Messages.ConfState([1])), ElectionTick = 3, HeartbeatTick = 1,
            ReadOnlyOption = ReadOnlyOption.LeaseBased, LeaseClockDriftTicks = drift,
        };
        // ElectionTick 3 - 1 for the tick phase - 2 of drift leaves no lease at all.
        var error = Assert.Throws<ArgumentException>(Config(2).Validate);
        Assert.Contains("LeaseClockDriftTicks", error.Message);
        Config(1).Validate();
    }
}
