using System.Buffers.Binary;
using RaftActors.Actors.Transport;
using RaftActors.Messages;
using static RaftActors.Actors.Tests.Transport.TransportTestKit;

namespace RaftActors.Actors.Tests.Transport;

/// <summary>
/// Every outside input is untrusted: a peer that fails the handshake or sends a bad frame is disconnected
/// with a logged reason, nothing it sent is delivered, and the listener keeps serving good peers.
/// </summary>
public sealed class PeerSecurityTests
{
    [Fact]
    public async Task Wrong_secret_is_rejected_and_a_correct_peer_still_works()
    {
        await using var node2 = new TestListener(Options(2));
        await using (var impostor = new TestSender(Options(1, secret: new byte[32]), 2, node2.EndPoint))
        {
            impostor.Sender.Send(Heartbeat(1, 2, 1));
            await WaitUntilAsync(() => node2.Log.Contains("failed to prove the cluster secret"), "the listener rejected the proof");
            Assert.DoesNotContain(true, impostor.Reachability);
        }
        await AssertGoodPeerServedAsync(node2);
        Assert.Equal(1, node2.Inbox.Count);
    }

    [Fact]
    public async Task Wrong_cluster_id_is_rejected_and_a_correct_peer_still_works()
    {
        await using var node2 = new TestListener(Options(2));
        await using (var stranger = await RawPeer.ConnectAsync(node2.EndPoint))
        {
            var error = await Assert.ThrowsAsync<TransportException>(() =>
                Handshake.DialAsync(stranger.Stream, Options(1, cluster: "other-cluster"), 2, CancellationToken.None));
            Assert.Contains("cluster", error.Message);
            Assert.True(await stranger.WasClosedAsync());
        }
        await WaitUntilAsync(() => node2.Log.Contains("wrong cluster id 'other-cluster'"), "the listener logged the cluster id");
        await AssertGoodPeerServedAsync(node2);
    }

    [Fact]
    public async Task Random_bytes_disconnect_only_that_client()
    {
        await using var node2 = new TestListener(Options(2));
        await using var garbage = await RawPeer.ConnectAsync(node2.EndPoint);
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        await garbage.SendAsync(bytes);

        Assert.True(await garbage.WasClosedAsync());
        await WaitUntilAsync(() => node2.Log.Contains("bad handshake magic"), "the reason was logged");
        await AssertGoodPeerServedAsync(node2);
    }

    [Fact]
    public async Task Huge_length_prefix_disconnects_without_allocating_it()
    {
        var frame = new byte[FrameCodec.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, uint.MaxValue);
        await AssertFrameDisconnectsAsync(frame, "exceeds the limit");
    }

    [Fact]
    public async Task Corrupt_crc_disconnects_that_peer()
    {
        var frame = RawPeer.Frame(Heartbeat(1, 2, 1));
        frame[^1] ^= 0x40;
        await AssertFrameDisconnectsAsync(frame, "CRC mismatch");
    }

    [Fact]
    public async Task Message_whose_From_lies_disconnects_that_peer() =>
        await AssertFrameDisconnectsAsync(RawPeer.Frame(Heartbeat(1, 2, 1), Heartbeat(3, 2, 1)), "claims to be from node 3");

    [Fact]
    public async Task Message_addressed_to_another_node_disconnects_that_peer() =>
        await AssertFrameDisconnectsAsync(RawPeer.Frame(Heartbeat(1, 3, 1)), "addressed to node 3");

    [Fact]
    public async Task Local_only_message_type_disconnects_that_peer() =>
        await AssertFrameDisconnectsAsync(RawPeer.Frame(new RaftMessage { Type = MessageType.Hup, From = 1, To = 2 }), "local-only");

    [Fact]
    public async Task Undecodable_message_with_a_valid_crc_disconnects_that_peer()
    {
        byte[] payload = [(byte)FrameKind.Batch, 1, 0, 0, 0, 3, 0, 0, 0, 9, 9, 9];
        await AssertFrameDisconnectsAsync(RawPeer.FrameOf(payload), "undecodable");
    }

    [Fact]
    public async Task Silent_client_is_dropped_after_the_handshake_timeout()
    {
        await using var node2 = new TestListener(Options(2) with { HandshakeTimeout = TimeSpan.FromMilliseconds(200) });
        await using var silent = await RawPeer.ConnectAsync(node2.EndPoint);

        Assert.True(await silent.WasClosedAsync());
        await WaitUntilAsync(() => node2.Log.Contains("handshake timed out"), "the timeout was logged");
        await AssertGoodPeerServedAsync(node2);
    }

    [Fact]
    public async Task Connections_beyond_the_pending_handshake_limit_are_refused()
    {
        await using var node2 = new TestListener(Options(2) with { MaxPendingHandshakes = 1, HandshakeTimeout = TimeSpan.FromSeconds(30) });
        await using var silent = await RawPeer.ConnectAsync(node2.EndPoint);
        await using var second = await RawPeer.ConnectAsync(node2.EndPoint);

        Assert.True(await second.WasClosedAsync(TimeSpan.FromSeconds(10)));
        Assert.True(node2.Log.Contains("handshakes already pending"));
    }

    private static async Task AssertFrameDisconnectsAsync(byte[] frame, string reason)
    {
        await using var node2 = new TestListener(Options(2));
        await using (var liar = await RawPeer.AuthenticatedAsync(node2.EndPoint, Options(1), 2))
        {
            await liar.SendAsync(frame);
            Assert.True(await liar.WasClosedAsync());
        }
        await WaitUntilAsync(() => node2.Log.Contains(reason), $"the listener logged '{reason}'");
        Assert.Equal(0, node2.Inbox.Count);
        await AssertGoodPeerServedAsync(node2);
    }

    /// <summary>Node 3, with the right secret, still gets a message through.</summary>
    private static async Task AssertGoodPeerServedAsync(TestListener listener)
    {
        await using var good = new TestSender(Options(3), 2, listener.EndPoint);
        good.Sender.Send(Heartbeat(3, 2, 77));
        await WaitUntilAsync(() => listener.Inbox.Messages.Any(m => m.From == 3 && m.Term == 77), "a good peer is still served");
    }
}
