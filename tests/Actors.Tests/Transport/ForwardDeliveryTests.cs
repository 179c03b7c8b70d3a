using System.Collections.Concurrent;
using RaftActors.Actors.Transport;
using static RaftActors.Actors.Tests.Transport.TransportTestKit;

namespace RaftActors.Actors.Tests.Transport;

/// <summary>Forward frames over real sockets: order with messages, the size limit, a listener without a handler.</summary>
public sealed class ForwardDeliveryTests
{
    [Fact]
    public async Task Forwards_and_messages_arrive_in_the_order_they_were_queued()
    {
        var arrived = new ConcurrentQueue<string>();
        await using var listener = new PeerListener(Options(2), Loopback,
            (from, messages, _) =>
            {
                foreach (var m in messages) arrived.Enqueue($"m{m.Term}@{from}");
                return ValueTask.CompletedTask;
            },
            new HashingSnapshotSink(),
            onForward: (from, payload, _) =>
            {
                arrived.Enqueue($"f{payload.Span[0]}@{from}");
                return ValueTask.CompletedTask;
            });
        listener.Start();
        await using var node1 = new TestSender(Options(1), 2, listener.EndPoint);
        await WaitUntilAsync(() => node1.Sender.IsReachable, "connected");

        var expected = new List<string>();
        for (var i = 1; i <= 200; i++)
        {
            if (i % 7 == 0)
            {
                Assert.True(node1.Sender.SendForward([(byte)i]));
                expected.Add($"f{i}@1");
            }
            else
            {
                Assert.True(node1.Sender.Send(Heartbeat(1, 2, (ulong)i)));
                expected.Add($"m{i}@1");
            }
        }

        await WaitUntilAsync(() => arrived.Count == expected.Count, "everything arrived");
        Assert.Equal(expected, arrived);
        Assert.Equal(200 / 7, node1.Sender.Stats.ForwardsSent);
        Assert.Equal(200 - (200 / 7), node1.Sender.Stats.MessagesSent);
    }

    [Fact]
    public async Task Largest_forward_payload_is_delivered_and_a_larger_one_is_refused()
    {
        var options1 = Options(1) with { MaxFrameSize = 64 * 1024, SnapshotChunkSize = 32 * 1024 };
        var options2 = Options(2) with { MaxFrameSize = 64 * 1024, SnapshotChunkSize = 32 * 1024 };
        var received = new ConcurrentQueue<byte[]>();
        await using var node2 = new TestListener(options2, onForward: (_, payload, _) =>
        {
            received.Enqueue(payload.ToArray());
            return ValueTask.CompletedTask;
        });
        await using var node1 = new TestSender(options1, 2, node2.EndPoint);
        var largest = new byte[node1.Sender.MaxForwardPayload];
        new Random(3).NextBytes(largest);

        Assert.Throws<ArgumentException>(() => node1.Sender.SendForward(new byte[largest.Length + 1]));
        Assert.True(node1.Sender.SendForward(largest));
        Assert.True(node1.Sender.SendForward([]));

        await WaitUntilAsync(() => received.Count == 2, "both payloads arrived");
        Assert.Equal(largest, received.First());
        Assert.Empty(received.Last());
    }

    [Fact]
    public async Task Listener_without_a_forward_handler_drops_forwards_and_keeps_the_connection()
    {
        await using var node2 = new TestListener(Options(2));
        await using var node1 = new TestSender(Options(1), 2, node2.EndPoint);
        Assert.True(node1.Sender.SendForward([1, 2, 3]));
        Assert.True(node1.Sender.Send(Heartbeat(1, 2, 9)));

        await WaitUntilAsync(() => node2.Inbox.Count == 1, "the message after the forward arrived");
        Assert.True(node2.Log.Contains("no forward handler"));
        Assert.Equal([true], node1.Reachability);
    }

    [Fact]
    public async Task Forward_handler_that_throws_costs_only_that_connection()
    {
        var calls = 0;
        await using var node2 = new TestListener(Options(2), onForward: (_, _, _) =>
            Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("handler bug") : ValueTask.CompletedTask);
        await using var node1 = new TestSender(Options(1), 2, node2.EndPoint);
        node1.Sender.SendForward([1]);

        await WaitUntilAsync(() => node2.Log.Contains("handler bug"), "the failure was logged");
        await WaitUntilAsync(() => node1.Reachability.Count >= 3 && node1.Sender.IsReachable, "the sender noticed and reconnected");
        node1.Sender.Send(Heartbeat(1, 2, 3));
        await WaitUntilAsync(() => node2.Inbox.Count == 1, "delivery resumed");
    }
}
