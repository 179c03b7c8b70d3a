using Akka.Configuration;
using RaftActors.Actors.Configuration;

namespace RaftActors.Actors.Tests.Configuration;

/// <summary>hocon/node1..3.conf found one local 3-node cluster: each file alone, over raftactors.conf's defaults.</summary>
public sealed class SampleNodeFilesTests
{
    private static RaftSettings Node(int n) =>
        RaftSettings.Create(ConfigurationFactory.ParseString($"akka.raft.secret = \"{ConfigFixtures.Secret}\"")
            .WithFallback(HoconFile.Load(Path.Combine(ConfigFixtures.HoconDirectory, $"node{n}.conf"))));

    [Fact]
    public void The_three_node_files_give_three_distinct_nodes_of_one_cluster()
    {
        var nodes = new[] { Node(1), Node(2), Node(3) };
        Assert.Equal([1ul, 2ul, 3ul], nodes.Select(n => n.NodeId));
        Assert.Equal(["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"], nodes.Select(n => n.ListenAddress));
        Assert.Equal(3, nodes.Select(n => Path.GetFullPath(n.DataDirectory)).Distinct().Count());
        Assert.Single(nodes.Select(n => n.ClusterId).Distinct());
        foreach (var node in nodes)
        {
            // Each node's peers are exactly the other two, at the addresses those nodes listen on.
            var others = nodes.Where(o => o.NodeId != node.NodeId).ToDictionary(o => o.NodeId, o => o.ListenAddress);
            Assert.Equal(others, node.Peers);
            Assert.False(node.Join);
            node.ToNodeOptions().Validate();
        }
    }

    [Fact]
    public void The_node_files_raise_the_frame_size_so_a_largest_proposal_fits_and_shorten_the_retry_gate()
    {
        var file = HoconFile.Load(Path.Combine(ConfigFixtures.HoconDirectory, "node1.conf"));
        var frame = file.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size")!.Value;
        var settings = Node(1);
        Assert.True(Math.Max(settings.MaxProposalBytes, (long)settings.MaxSizePerMessage) + RaftSettings.PeerFrameEnvelopeBytes <= frame);
        Assert.Equal(TimeSpan.FromSeconds(1), file.GetTimeSpan("akka.remote.retry-gate-closed-for", null, false));
    }

    [Fact]
    public void The_node_files_need_no_include_and_hold_no_secret()
    {
        foreach (var n in new[] { 1, 2, 3 })
        {
            var file = HoconFile.Load(Path.Combine(ConfigFixtures.HoconDirectory, $"node{n}.conf"));
            Assert.False(file.HasPath("akka.raft.secret"));
            Assert.Contains("is not set", Assert.Throws<RaftConfigurationException>(() => RaftSettings.Create(file)).Message, StringComparison.Ordinal);
        }
    }
}
