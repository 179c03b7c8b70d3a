using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// The far end of a PeerActor under test: an ActorSystem of its own on 127.0.0.1 over Akka.Remote, with a probe
/// standing at the inbox path a node has there (<c>/user/raft-{id}/inbox</c>), and the authenticator that node
/// opens frames with. What the probe receives crossed a real association and RaftActors' serializer.
/// </summary>
internal sealed class PeerTestNode
{
    public const string ClusterId = "peer-actor-tests";

    public static readonly byte[] Secret = "0123456789abcdef-peer-secret"u8.ToArray();

    /// <summary>Remoting on a free loopback port, RaftActors' serialization, and patient expectations (the machine is shared).</summary>
    public static readonly Config Configuration = ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.test.single-expect-default = 10s
        """).WithFallback(RaftSerialization.Configuration);

    private PeerTestNode(ulong id, ActorSystem system, TestProbe inbox)
    {
        Id = id;
        System = system;
        Inbox = inbox;
        Authenticator = new PeerAuthenticator(ClusterId, Secret, id);
    }

    public ulong Id { get; }

    public ActorSystem System { get; }

    /// <summary>Receives what is told to the node's inbox, with the sender it came from.</summary>
    public TestProbe Inbox { get; }

    public PeerAuthenticator Authenticator { get; }

    /// <summary>The node's <c>host:port</c>, as the membership records it.</summary>
    public string Address => PeerPaths.LocalHostPort(System);

    /// <summary>Starts node <paramref name="id"/> in a system named like the test's own (a <c>host:port</c> address names no system).</summary>
    public static PeerTestNode Start(TestKitBase kit, ulong id)
    {
        // TestKit's own defaults too: a probe lives in this system.
        var system = ActorSystem.Create(kit.Sys.Name, Configuration.WithFallback(TestKitBase.DefaultConfig));
        var inbox = kit.CreateTestProbe(system, $"inbox-{id}");
        StandAtInbox(system, id, inbox.Ref);
        return new PeerTestNode(id, system, inbox);
    }

    /// <summary>Makes <paramref name="probe"/> receive what is told to node <paramref name="id"/>'s inbox in <paramref name="system"/>.</summary>
    public static void StandAtInbox(ActorSystem system, ulong id, IActorRef probe) =>
        system.ActorOf(Props.Create(() => new GuardianStandIn(probe)), PeerPaths.GuardianName(id));

    /// <summary>The next frame told to the inbox, after checking it opens with this node's authenticator.</summary>
    public async Task<PeerFrame> ExpectFrameAsync(PeerPayloadKind kind)
    {
        var frame = await Inbox.ExpectMsgAsync<PeerFrame>();
        Assert.True(Authenticator.Open(frame, out var reason), $"the frame did not open: {reason}");
        Assert.Equal(kind, frame.Kind);
        return frame;
    }

    public async Task<RaftMessage[]> ExpectMessagesAsync() =>
        PeerBodyCodec.DecodeRaftMessages((await ExpectFrameAsync(PeerPayloadKind.RaftMessages)).Body.Span);

    public async Task<SnapshotChunk> ExpectChunkAsync() =>
        PeerBodyCodec.DecodeSnapshotChunk((await ExpectFrameAsync(PeerPayloadKind.SnapshotChunk)).Body.Span);

    /// <summary>Stands where the node's guardian would, so that its child <c>inbox</c> has the inbox's path.</summary>
    private sealed class GuardianStandIn : ReceiveActor
    {
        private readonly IActorRef _probe;

        public GuardianStandIn(IActorRef probe) => _probe = probe;

        protected override void PreStart() => Context.ActorOf(Akka.TestKit.TestActors.ForwardActor.Props(_probe), "inbox");
    }
}
