using System.Net.Sockets;
using RaftActors.Actors.Remote;
using RaftActors.Messages;
using Xunit.Abstractions;
using static RaftActors.Actors.Tests.Remote.RemoteSamples;
using static RaftActors.Actors.Tests.Remote.RemoteTestSystems;

namespace RaftActors.Actors.Tests.Remote;

using Akka.Actor;
using Akka.Remote;
using Akka.TestKit;

/// <summary>
/// PeerFrames over real Akka.Remote between two ActorSystems on loopback: a frame arrives intact through
/// RaftSerializer, bytes RaftSerializer refuses are dropped without tearing the association down, and garbage on
/// the remoting port does not stop the receiver from taking frames afterwards.
/// </summary>
public sealed class RemotePeerFrameTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ActorSystem _receiver;
    private readonly TestProbe _inbox;
    private readonly PeerAuthenticator _node1 = new(ClusterId, Secret, 1);
    private readonly PeerAuthenticator _node2 = new(ClusterId, Secret, 2);

    public RemotePeerFrameTests(ITestOutputHelper output) : base(Remoting(), "sender", output)
    {
        _receiver = ActorSystem.Create("receiver", Remoting());
        _inbox = CreateTestProbe(_receiver);
        _receiver.ActorOf(Props.Create(() => new Relay(_inbox.Ref)), "inbox");
    }

    protected override void AfterAll()
    {
        Shutdown(_receiver);
        base.AfterAll();
    }

    private PeerFrame SealedMessages(params RaftMessage[] messages) =>
        _node1.Seal(2, PeerPayloadKind.RaftMessages, PeerBodyCodec.EncodeRaftMessages(messages));

    [Fact]
    public void Frame_sent_to_an_actor_on_another_system_arrives_intact_through_RaftSerializer()
    {
        var sent = SealedMessages(Append(), Append(entries: 0) with { Entries = Entries(20, 1000) });

        Inbox(Sys, _receiver).Tell(sent);

        var received = _inbox.ExpectMsg<PeerFrame>(Patience);
        Assert.NotSame(sent, received);
        AssertSame(sent, received);
        Assert.True(_node2.Open(received, out _));
        Assert.Equal(PeerBodyCodec.DecodeRaftMessages(sent.Body.Span), PeerBodyCodec.DecodeRaftMessages(received.Body.Span));
    }

    [Fact]
    public void Bytes_RaftSerializer_refuses_are_dropped_and_the_association_carries_the_next_frame()
    {
        var tampering = ActorSystem.Create("tampering", Tampering());
        try
        {
            var lifecycle = CreateTestProbe(tampering);
            tampering.EventStream.Subscribe(lifecycle.Ref, typeof(AssociationErrorEvent));
            tampering.EventStream.Subscribe(lifecycle.Ref, typeof(DisassociatedEvent));
            var genuine = PeerFrameCodec.Encode(SealedMessages(Append()));
            var refused = new[]
            {
                new Tampered("F", genuine[..^1]),
                new Tampered("F", [(byte)(PeerFrameCodec.Version + 1), .. genuine[1..]]),
                new Tampered("R", [1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
                new Tampered("Q", genuine),
            };
            var inbox = Inbox(tampering, _receiver);

            CreateEventFilter(_receiver).Warning(contains: "Deserialization failed").Expect(refused.Length, Patience, () =>
            {
                foreach (var bytes in refused) inbox.Tell(bytes);
                var first = SealedMessages(Append());
                inbox.Tell(first);
                AssertSame(first, _inbox.ExpectMsg<PeerFrame>(Patience)); // the refused ones, sent before it, never arrived
            });

            var next = SealedMessages(Append(entries: 1));
            inbox.Tell(next);
            AssertSame(next, _inbox.ExpectMsg<PeerFrame>(Patience));
            Assert.False(lifecycle.HasMessages, "the association was torn down or failed");
        }
        finally
        {
            Shutdown(tampering);
        }
    }

    [Fact]
    public async Task Garbage_on_the_remoting_port_does_not_stop_the_receiver_from_accepting_frames()
    {
        var port = AddressOf(_receiver).Port!.Value;
        var random = new Random(7);
        byte[][] garbage =
        [
            RandomBytes(random, 4096),
            [0x7F, 0xFF, 0xFF, 0xF0, .. RandomBytes(random, 64)], // a frame header claiming 2 GB
            [0, 0, 0, 200, .. RandomBytes(random, 200)], // a well-framed payload that is not an Akka PDU
            [0, 0, 0, 0],
        ];
        foreach (var bytes in garbage) await SendAndCloseAsync(port, bytes);
        Assert.False(_receiver.WhenTerminated.IsCompleted);

        // A fresh sender associates after the garbage; poll until a frame gets through, within the deadline.
        var late = ActorSystem.Create("late", Remoting());
        try
        {
            var deadline = DateTime.UtcNow + Patience;
            PeerFrame? received = null;
            var sent = SealedMessages(Append());
            while (received is null && DateTime.UtcNow < deadline)
            {
                sent = SealedMessages(Append());
                Inbox(late, _receiver).Tell(sent);
                received = _inbox.ReceiveOne(TimeSpan.FromMilliseconds(500)) as PeerFrame;
            }
            Assert.NotNull(received);
            Assert.True(_node2.Open(received, out _));
        }
        finally
        {
            Shutdown(late);
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static async Task SendAndCloseAsync(int port, byte[] bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(bytes);
            await stream.FlushAsync();
            // Give the receiver the chance to answer or close; it need not do either.
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            var buffer = new byte[256];
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            // The receiver closed the connection or let it be: both are fine.
        }
    }
}
