using RaftActors.Actors.Remote;

namespace RaftActors.Actors.Tests.Remote;

using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

/// <summary>Configuration and small actors for tests that run real Akka.Remote between ActorSystems in this process.</summary>
internal static class RemoteTestSystems
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Remoting on a free loopback port, RaftActors' serialization, and the TestKit's log listener.</summary>
    public static Config Remoting(string extra = "") => ConfigurationFactory.ParseString(extra + """

        akka.actor.provider = remote
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.loggers = ["Akka.TestKit.TestEventListener, Akka.TestKit"]
        """).WithFallback(RaftSerialization.Configuration);

    /// <summary>A sender whose RaftSerializer is replaced by <see cref="TamperingSerializer"/> (same identifier).</summary>
    public static Config Tampering() => Remoting("""
        akka.actor.serializers.raftactors = "RaftActors.Actors.Tests.Remote.TamperingSerializer, RaftActors.Actors.Tests"
        akka.actor.serialization-bindings { "RaftActors.Actors.Tests.Remote.Tampered, RaftActors.Actors.Tests" = raftactors }
        """);

    public static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    public static ActorSelection Inbox(ActorSystem from, ActorSystem to) => from.ActorSelection(new RootActorPath(AddressOf(to)) / "user" / "inbox");

    /// <summary>Forwards everything to <c>target</c>: stands in for the node's inbox actor.</summary>
    public sealed class Relay : ReceiveActor
    {
        public Relay(IActorRef target) => ReceiveAny(message => target.Forward(message));
    }
}

/// <summary>Bytes a peer sends as if RaftSerializer had written them under <see cref="Manifest"/>.</summary>
internal sealed record Tampered(string Manifest, byte[] Bytes);

/// <summary>
/// A misbehaving peer's serializer: it claims RaftSerializer's identifier and writes <see cref="Tampered"/> bytes
/// verbatim under any manifest, and genuine frames as RaftSerializer does.
/// </summary>
internal sealed class TamperingSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => RaftSerializer.SerializerIdentifier;

    public override string Manifest(object o) => o is Tampered t ? t.Manifest : RaftSerializer.PeerFrameManifest;

    public override byte[] ToBinary(object obj) => obj is Tampered t ? t.Bytes : PeerFrameCodec.Encode((PeerFrame)obj);

    public override object FromBinary(byte[] bytes, string manifest) => PeerFrameCodec.Decode(bytes);
}
