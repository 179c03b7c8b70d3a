using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Remote.Transport.DotNetty;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Tls;

/// <summary>
/// Mutual TLS on Akka.Remote (DotNetty) between real nodes over TCP on 127.0.0.1, with certificates made at test
/// time by a throwaway CA (<see cref="TestCertificateAuthority"/>; nothing is installed in a certificate store).
/// Two ways to configure it, both from docs/security.md: HOCON alone (<see cref="RaftNodeOptions.ActorSystemConfig"/>,
/// all the console host can do), and a <see cref="DotNettySslSetup"/> with a validator that trusts the private CA
/// (an embedding user's own ActorSystem). Strangers here know the cluster id and secret unless said otherwise, so
/// only TLS stands between them and the members.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class MutualTlsTests
{
    private const ulong Stranger = 4;
    private static readonly ulong[] Members = [1, 2, 3];

    [Fact]
    public async Task Three_nodes_with_mutual_tls_from_hocon_elect_a_leader_and_commit_through_leader_and_follower()
    {
        using var ca = new TestCertificateAuthority("raft-ca");
        // Hostname validation on: the certificates name 127.0.0.1, the address the peers dial.
        await using var cluster = HoconTlsCluster(ca, suppressValidation: true, validateHostname: true);
        await cluster.StartAsync(Members);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = Members.First(id => id != leader);

        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("via-leader-", 100, acknowledged, via: leader);
        await cluster.WriteAsync("via-follower-", 100, acknowledged, via: follower);
        await cluster.WaitForAllToHoldAsync(acknowledged);

        Assert.Equal(200, acknowledged.Count);
        Assert.All(cluster.Nodes.Values, n => Assert.Equal("akka.ssl.tcp", Protocol(n)));
    }

    [Fact]
    public async Task A_node_on_plain_tcp_cannot_reach_a_tls_cluster_and_learns_nothing_while_the_cluster_commits()
    {
        using var ca = new TestCertificateAuthority("raft-ca");
        await using var cluster = HoconTlsCluster(ca, suppressValidation: true);
        // A founder of a 4-voter cluster in its own eyes: it campaigns, so it dials every member.
        var acknowledged = await StartClusterThenStrangerAsync(cluster, () => cluster.StartNodeAsync(Stranger, [.. Members, Stranger],
            adjust: o => o with { ActorSystemConfig = null }));

        Assert.Equal("akka.tcp", Protocol(cluster.Nodes[Stranger]));
        await NodeCluster.WaitUntilAsync(() => Members.All(id => cluster.Logs[id].Contains("due to TLS handshake failure")),
            "every member turned away the stranger's plain connection");
        AssertStrangerNeverGotThrough(cluster);
        await AssertStrangerLearnedNothingWhileTheClusterCommitsAsync(cluster, acknowledged);
    }

    [Fact]
    public async Task A_cluster_validating_against_its_private_ca_commits_and_refuses_a_node_whose_certificate_another_ca_signed()
    {
        using var ca = new TestCertificateAuthority("raft-ca");
        using var otherCa = new TestCertificateAuthority("other-ca");
        await using var cluster = new NodeCluster();
        await using var systems = new UserSystemsWithTls();
        var validators = await StartValidatingClusterAsync(cluster, systems, ca);

        // The stranger accepts any certificate itself: the members' validators alone must keep it out.
        var foreign = otherCa.Issue("raft-node-4");
        var acknowledged = await StartClusterThenStrangerAsync(cluster, () => systems.StartNodeAsync(cluster, Stranger, [.. Members, Stranger],
            new DotNettySslSetup(foreign.Certificate, suppressValidation: true, requireMutualAuthentication: true)));

        // Its first campaign dials all three at once. (When a refusal reaches it while its own handshake is still
        // running, Akka shuts its system down, so it may not try twice.)
        await NodeCluster.WaitUntilAsync(() => Members.All(id => validators[id].Refused.Count > 0), "every member refused the stranger's certificate");
        AssertStrangerNeverGotThrough(cluster);
        await AssertStrangerLearnedNothingWhileTheClusterCommitsAsync(cluster, acknowledged);
        // The validators decided every link: they accepted the members and refused the stranger alone.
        Assert.All(validators.Values, v => Assert.True(v.Accepted > 0, "the members' certificates were checked and accepted"));
        Assert.All(validators.Values, v => Assert.All(v.Refused, subject => Assert.Equal(foreign.Certificate.Subject, subject)));
    }

    [Fact]
    public async Task With_validation_on_in_hocon_and_the_private_ca_not_in_the_machine_trust_store_every_peer_is_refused_and_no_leader_is_elected()
    {
        using var ca = new TestCertificateAuthority("raft-ca");
        await using var cluster = HoconTlsCluster(ca, suppressValidation: false);
        await cluster.StartAsync(Members);

        // Akka checks the chain against the machine's store, which does not know this CA; a node whose own outbound
        // handshake failed has its ActorSystem shut down by Akka (exit reason 79).
        await NodeCluster.WaitUntilAsync(() => cluster.Nodes.Values.Any(n => n.ActorSystem.WhenTerminated.IsCompleted),
            "a node that dialed a peer refused the peer's certificate and its system shut down");
        await NodeCluster.WaitUntilAsync(() => Members.Any(id => cluster.Logs[id].Contains("Certificate chain validation failed")),
            "Akka logged why it refused the certificate");
        Assert.All(Members, id => Assert.False(cluster.Events[id].Any(e => e is LeaderChanged { Leader: not 0 }), $"node {id} learned of a leader"));
        Assert.All(cluster.Nodes.Values, n => Assert.Equal(0, n.DroppedPeerFrames));
    }

    [Fact]
    public async Task With_validation_suppressed_a_certificate_from_another_ca_completes_tls_and_only_the_hmac_envelope_keeps_the_node_out()
    {
        using var ca = new TestCertificateAuthority("raft-ca");
        using var otherCa = new TestCertificateAuthority("other-ca");
        await using var cluster = HoconTlsCluster(ca, suppressValidation: true);
        var foreign = otherCa.Issue("raft-node-4");
        var acknowledged = await StartClusterThenStrangerAsync(cluster, () => cluster.StartNodeAsync(Stranger, [.. Members, Stranger],
            adjust: o => o with { ActorSystemConfig = TlsHocon.For(foreign, suppressValidation: true), Secret = "a-wrong-secret-of-enough-bytes" }));

        // Its frames arrived over TLS (this is what suppress-validation means) and failed the MAC.
        await NodeCluster.WaitUntilAsync(() => Members.All(id => cluster.Nodes[id].Authenticator.Dropped(PeerDropReason.BadMac) > 0),
            "every member dropped the stranger's frames as BadMac");
        await AssertStrangerLearnedNothingWhileTheClusterCommitsAsync(cluster, acknowledged);
    }

    [Fact]
    public async Task A_leader_that_dials_a_new_member_whose_certificate_it_refuses_has_its_actor_system_shut_down_by_akka()
    {
        using var ca = new TestCertificateAuthority("raft-ca");
        using var otherCa = new TestCertificateAuthority("other-ca");
        await using var cluster = new NodeCluster();
        await using var systems = new UserSystemsWithTls();
        var validators = await StartValidatingClusterAsync(cluster, systems, ca);
        var leader = await cluster.WaitForLeaderAsync();
        var foreign = otherCa.Issue("raft-node-4");
        // It waits to be added and dials no one: the only handshake is the leader's.
        await systems.StartNodeAsync(cluster, Stranger, [Stranger], new DotNettySslSetup(foreign.Certificate, suppressValidation: true,
            requireMutualAuthentication: true), join: true);

        // An operator's mistake (or an expired or rotated certificate): the leader must replicate to the new learner,
        // dials it, refuses its certificate, and Akka 1.5.74 treats the failed outbound handshake as fatal.
        var adding = cluster.Nodes[leader].AddLearnerAsync(Stranger, cluster.Address(Stranger));
        await NodeCluster.WaitUntilAsync(() => cluster.Nodes[leader].ActorSystem.WhenTerminated.IsCompleted, "the leader's ActorSystem shut down");
        await cluster.Nodes[leader].Completion.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains(foreign.Certificate.Subject, validators[leader].Refused);
        Assert.Equal(0, cluster.Services[Stranger].Applied);
        try
        {
            await adding.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (RaftNodeException)
        {
            // Whether the change committed before the leader went down does not matter here.
        }
    }

    /// <summary>Members 1-3 in ActorSystems with a <see cref="DotNettySslSetup"/> each, validating peers with <see cref="PrivateCaValidator"/>.</summary>
    private static async Task<Dictionary<ulong, PrivateCaValidator>> StartValidatingClusterAsync(NodeCluster cluster, UserSystemsWithTls systems,
        TestCertificateAuthority ca)
    {
        var validators = new Dictionary<ulong, PrivateCaValidator>();
        foreach (var id in Members)
        {
            validators[id] = new PrivateCaValidator(ca.RootPublic);
            var ssl = new DotNettySslSetup(ca.Issue($"raft-node-{id}").Certificate, suppressValidation: false,
                requireMutualAuthentication: true, customValidator: validators[id].Callback);
            await systems.StartNodeAsync(cluster, id, Members, ssl);
        }
        return validators;
    }

    /// <summary>Starts the members (unless running), lets them commit, starts the stranger, and writes on; returns the acknowledged writes.</summary>
    private static async Task<ConcurrentDictionary<string, string>> StartClusterThenStrangerAsync(NodeCluster cluster, Func<Task<RaftNode>> startStranger)
    {
        if (cluster.Nodes.Count == 0) await cluster.StartAsync(Members);
        await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await cluster.WriteAsync("before-", 50, acknowledged);
        await startStranger();
        await cluster.WriteAsync("after-", 100, acknowledged);
        return acknowledged;
    }

    /// <summary>No Akka association between the stranger and a member ever came up, and no member saw a frame of it.</summary>
    private static void AssertStrangerNeverGotThrough(NodeCluster cluster)
    {
        Assert.False(cluster.Events[Stranger].Any(e => e is PeerReachabilityEvent { Reachable: true }), "the stranger associated with a member");
        Assert.All(Members, id => Assert.Equal(0, cluster.Nodes[id].DroppedPeerFrames));
    }

    /// <summary>The stranger never learned a leader or applied anything; the members commit on and hold every write.</summary>
    private static async Task AssertStrangerLearnedNothingWhileTheClusterCommitsAsync(NodeCluster cluster, ConcurrentDictionary<string, string> acknowledged)
    {
        Assert.Equal(0, cluster.Services[Stranger].Applied);
        Assert.Equal(0UL, cluster.Nodes[Stranger].Leader);
        Assert.False(cluster.Events[Stranger].Any(e => e is LeaderChanged { Leader: not 0 }), "the stranger learned of a leader");

        await cluster.WriteAsync("later-", 50, acknowledged);
        await NodeCluster.WaitUntilAsync(() => Members.All(id => cluster.Services[id].Holds(acknowledged)), "the members hold every write");
        Assert.Equal(200, acknowledged.Count);
        Assert.All(Members, id => Assert.Equal(200, cluster.Services[id].Count));
    }

    /// <summary>A cluster whose nodes get TLS from HOCON alone, each with its own certificate from <paramref name="ca"/>.</summary>
    private static NodeCluster HoconTlsCluster(TestCertificateAuthority ca, bool suppressValidation, bool validateHostname = false)
    {
        var certificates = new ConcurrentDictionary<ulong, NodeCertificate>();
        return new NodeCluster
        {
            Customize = (id, o) => o with
            {
                ActorSystemConfig = TlsHocon.For(certificates.GetOrAdd(id, i => ca.Issue($"raft-node-{i}")), suppressValidation, validateHostname),
            },
        };
    }

    private static string Protocol(RaftNode node) => ((ExtendedActorSystem)node.ActorSystem).Provider.DefaultAddress.Protocol;
}
