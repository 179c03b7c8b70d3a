using RaftActors.Core;
using RaftActors.Messages;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scenarios;

/// <summary>The optional limits and modes of <see cref="RaftConfig"/>, each shown to change behaviour.</summary>
public sealed class OptionScenarios
{
    private static SimulatedCluster Cluster(int seed, SimulatedClusterOptions options)
    {
        var cluster = new SimulatedCluster(seed, options);
        cluster.AddNodes(3);
        return cluster;
    }

    [Fact]
    public void Leader_refuses_proposals_beyond_the_uncommitted_size_cap_until_they_commit()
    {
        var cluster = Cluster(11, new SimulatedClusterOptions { MaxUncommittedEntriesSize = 100 });
        var leader = cluster.AwaitLeader();
        cluster.Stabilize();
        foreach (var id in cluster.Nodes.Keys.Where(id => id != leader)) cluster.Network.Cut(leader, id);

        var payload = new byte[60];
        cluster.Equal(ProposeResult.Accepted, cluster.Propose(leader, payload), "the first proposal fits under the cap");
        cluster.Equal(ProposeResult.UncommittedLimit, cluster.Propose(leader, payload), "the second one would exceed 100 uncommitted bytes");

        cluster.Heal();
        cluster.Stabilize();
        cluster.Tick(2);
        cluster.Check(cluster[leader].Raft.CommitIndex == cluster[leader].Raft.LastIndex, "the first proposal committed after healing");
        cluster.Equal(ProposeResult.Accepted, cluster.Propose(leader, payload), "room again once the uncommitted bytes committed");
    }

    [Fact]
    public void Follower_forwards_proposals_to_the_leader_unless_forwarding_is_disabled()
    {
        var forwarding = Cluster(12, new SimulatedClusterOptions());
        var leader = forwarding.AwaitLeader();
        var follower = forwarding.Nodes.Keys.First(id => id != leader);
        forwarding.Equal(ProposeResult.Accepted, forwarding.Propose(follower, "x=1"), "a follower forwards by default");
        forwarding.Stabilize();
        forwarding.Check(forwarding.Nodes.Values.All(n => n.Service.Data.GetValueOrDefault("x") == "1"), "the forwarded proposal is applied everywhere");

        var disabled = Cluster(12, new SimulatedClusterOptions { DisableProposalForwarding = true });
        leader = disabled.AwaitLeader();
        follower = disabled.Nodes.Keys.First(id => id != leader);
        disabled.Equal(ProposeResult.ForwardingDisabled, disabled.Propose(follower, "x=1"), "forwarding is off");
        disabled.Stabilize();
        disabled.Check(disabled.Nodes.Values.All(n => !n.Service.Data.ContainsKey("x")), "nothing was proposed");
    }

    [Fact]
    public void Appends_to_a_lagging_follower_respect_max_size_per_message()
    {
        var cluster = Cluster(13, new SimulatedClusterOptions { MaxSizePerMsg = 1000 });
        var leader = cluster.AwaitLeader();
        cluster.Stabilize();
        var lagging = cluster.Nodes.Keys.First(id => id != leader);
        cluster.Network.Cut(leader, lagging);
        for (var i = 0; i < 20; i++) cluster.Propose(leader, new byte[200]);
        cluster.Stabilize();

        var appendSizes = new List<long>();
        cluster.OnMessageSent = m =>
        {
            if (m.Type == MessageType.Append && m.To == lagging && m.Entries.Count > 0) appendSizes.Add(m.Entries.Sum(e => e.Size));
        };
        cluster.Heal();
        cluster.Check(cluster.RunUntil(() => cluster[lagging].Raft.AppliedIndex == cluster[leader].Raft.AppliedIndex, 100), "the follower caught up");
        cluster.Check(appendSizes.Count >= 4, $"20 entries of 216 bytes need several appends of at most 1000 bytes (saw {appendSizes.Count})");
        cluster.Check(appendSizes.All(size => size <= 1000), $"every append stays within 1000 bytes: {string.Join(",", appendSizes)}");
    }

    [Fact]
    public void Lease_based_reads_are_served_without_a_heartbeat_round_while_safe_reads_wait_for_one()
    {
        var lease = Cluster(14, new SimulatedClusterOptions { ReadOnlyOption = ReadOnlyOption.LeaseBased });
        var leader = lease.AwaitLeader();
        lease.Stabilize();
        // The lease starts with the first heartbeat round a quorum answers.
        lease.Tick();
        lease.Isolate(leader);
        lease.ReadIndex(leader, "r1");
        lease.Check(lease[leader].ReadStates.Count == 1, "the lease serves the read with no round trip");

        var safe = Cluster(14, new SimulatedClusterOptions());
        leader = safe.AwaitLeader();
        safe.Stabilize();
        safe.Isolate(leader);
        safe.ReadIndex(leader, "r1");
        safe.Stabilize();
        safe.Check(safe[leader].ReadStates.Count == 0, "a safe read needs a quorum's heartbeat acknowledgements");
        safe.Heal();
        safe.Tick();
        safe.Stabilize();
        safe.Check(safe[leader].ReadStates.Count == 1, "the read is served once the quorum answers");
    }
}
