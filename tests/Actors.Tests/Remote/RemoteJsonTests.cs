using RaftActors.Actors.Remote;
using Xunit.Abstractions;
using static RaftActors.Actors.Tests.Remote.RemoteSamples;
using static RaftActors.Actors.Tests.Remote.RemoteTestSystems;

namespace RaftActors.Actors.Tests.Remote;

using Akka.Actor;
using Akka.TestKit;

/// <summary>
/// What <c>allow-unregistered-types = off</c> does not cover: a peer that still serializes with JSON (its own
/// setting) gets its messages read by Newtonsoft on the receiver, into the type it names.
/// <see cref="RaftSerialization.RefuseJson"/> closes that path without disturbing the association.
/// </summary>
public sealed class RemoteJsonTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(Remoting("akka.actor.serialization-settings.allow-unregistered-types = on\n"), "lax", output)
{
    /// <summary>Unbound anywhere: travels as JSON from a system that allows the fallback.</summary>
    public sealed record Loose(string Text, int[] Numbers);

    private (ActorSystem System, TestProbe Inbox) Receiver(string name, Akka.Configuration.Config config)
    {
        var system = ActorSystem.Create(name, config);
        var probe = CreateTestProbe(system);
        system.ActorOf(Props.Create(() => new Relay(probe.Ref)), "inbox");
        return (system, probe);
    }

    [Fact]
    public void Strict_serialization_alone_still_reads_json_that_a_peer_sends()
    {
        var (receiver, inbox) = Receiver("strict", Remoting());
        try
        {
            Inbox(Sys, receiver).Tell(new Loose("from a lax peer", [1, 2]));

            var received = inbox.ExpectMsg<Loose>(Patience);
            Assert.Equal("from a lax peer", received.Text);
        }
        finally
        {
            Shutdown(receiver);
        }
    }

    [Fact]
    public void Receiver_that_refuses_json_drops_it_and_takes_the_next_frame()
    {
        var (receiver, inbox) = Receiver("refusing", Remoting().WithFallback(RaftSerialization.RefuseJson));
        try
        {
            var frame = new PeerAuthenticator(ClusterId, Secret, 1).Seal(2, PeerPayloadKind.RaftMessages, PeerBodyCodec.EncodeRaftMessages([Append()]));
            CreateEventFilter(receiver).Warning(contains: "Deserialization failed").ExpectOne(Patience, () =>
            {
                Inbox(Sys, receiver).Tell(new Loose("from a lax peer", [1, 2]));
                Inbox(Sys, receiver).Tell(frame);
                AssertSame(frame, inbox.ExpectMsg<PeerFrame>(Patience)); // the JSON message, sent first, never arrived
            });
        }
        finally
        {
            Shutdown(receiver);
        }
    }
}
