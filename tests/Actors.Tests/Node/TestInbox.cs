using Akka.Actor;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;

namespace RaftActors.Actors.Tests.Node;

/// <summary>A PeerInbox of node 1 in a test's system, its RaftActor a probe, its data in <c>data</c>.</summary>
internal static class TestInbox
{
    public static IActorRef Start(ActorSystem system, string data, string clusterId, byte[] secret, Akka.TestKit.TestProbe raft, ulong localIdentity,
        Func<ulong, ReadOnlyMemory<byte>, ValueTask>? onForward = null, ILogger? logger = null)
    {
        var node = new NodeSettings
        {
            PersistenceId = "raft-identity-1",
            AdvertisedAddress = "127.0.0.1:1",
            DataDirectory = data,
            Authenticator = new PeerAuthenticator(clusterId, secret, 1, dataIdentity: localIdentity),
            PeerIdentities = PeerIdentityBook.Open(data),
            MaxFrameBodyBytes = 64 * 1024,
        };
        var settings = new PeerInboxSettings(node, 1, raft.Ref, onForward ?? ((_, _) => ValueTask.CompletedTask), logger ?? NullLogger.Instance);
        return system.ActorOf(PeerInbox.CreateProps(settings));
    }
}
