using System.Net;
using RaftActors.Actors.Transport;
using RaftActors.Messages;
using static RaftActors.Actors.Tests.Transport.TransportTestKit;

namespace RaftActors.Actors.Tests.Transport;

/// <summary>Delivery over real sockets on 127.0.0.1: batching, order, large entries, reconnect.</summary>
public sealed class PeerDeliveryTests
{
    [Fact]
    public async Task Batch_of_messages_round_trips_between_two_nodes()
    {
        await using var node2 = new TestListener(Options(2));
        await using var node1 = new TestSender(Options(1), 2, node2.EndPoint);
        var sent = new[]
        {
            Heartbeat(1, 2, 5),
            new RaftMessage { Type = MessageType.Append, From = 1, To = 2, Term = 5, LogTerm = 4, Index = 9, Commit = 8,
                Entries = [new Entry(5, 10, EntryType.Normal, [1, 2, 3]), new Entry(5, 11)] },
            new RaftMessage { Type = MessageType.VoteResponse, From = 1, To = 2, Term = 5, Reject = true },
        };
        foreach (var m in sent) Assert.True(node1.Sender.Send(m));

        await WaitUntilAsync(() => node2.Inbox.Count == sent.Length, "all messages arrived");
        Assert.Equal(sent, node2.Inbox.Messages);
        Assert.All(node2.Inbox.Senders, from => Assert.Equal(1UL, from));
        Assert.Equal([true], node1.Reachability);
    }

    [Fact]
    public async Task Messages_with_entries_of_more_than_one_MiB_are_delivered()
    {
        await using var node2 = new TestListener(Options(2));
        await using var node1 = new TestSender(Options(1), 2, node2.EndPoint);
        var big = new byte[1024 * 1024 + 17];
        new Random(7).NextBytes(big);
        var messages = Enumerable.Range(1, 3).Select(i => new RaftMessage
        {
            Type = MessageType.Append, From = 1, To = 2, Term = 1, Index = (ulong)i,
            Entries = [new Entry(1, (ulong)i + 1, EntryType.Normal, big), new Entry(1, (ulong)i + 2, EntryType.Normal, big)],
        }).ToList();
        foreach (var m in messages) node1.Sender.Send(m);

        await WaitUntilAsync(() => node2.Inbox.Count == messages.Count, "the large messages arrived");
        Assert.Equal(messages, node2.Inbox.Messages);
    }

    [Fact]
    public async Task Messages_queued_while_connected_arrive_in_order_in_fewer_frames()
    {
        await using var node2 = new TestListener(Options(2));
        await using var node1 = new TestSender(Options(1), 2, node2.EndPoint);
        await WaitUntilAsync(() => node1.Sender.IsReachable, "connected");

        const int count = 3000;
        for (var i = 1; i <= count; i++) Assert.True(node1.Sender.Send(Heartbeat(1, 2, (ulong)i)));

        await WaitUntilAsync(() => node2.Inbox.Count == count, "every message arrived");
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), node2.Inbox.Messages.Select(m => m.Term));
        var stats = node1.Sender.Stats;
        Assert.Equal(count, stats.MessagesSent);
        Assert.True(stats.FramesSent < count, $"{stats.FramesSent} frames for {count} messages: nothing was batched");
        Assert.Equal(stats.FramesSent, node2.Inbox.Batches);
    }

    [Fact]
    public async Task Sender_reconnects_after_the_listener_restarts_and_delivery_resumes()
    {
        var first = new TestListener(Options(2));
        var endPoint = first.EndPoint;
        await using var node1 = new TestSender(Options(1), 2, endPoint);
        node1.Sender.Send(Heartbeat(1, 2, 1));
        await WaitUntilAsync(() => first.Inbox.Count == 1, "first delivery");

        await first.DisposeAsync();
        await WaitUntilAsync(() => !node1.Sender.IsReachable, "the sender noticed the restart");
        await using var second = new TestListener(Options(2), endPoint: endPoint);
        await WaitUntilAsync(() => node1.Sender.IsReachable, "the sender reconnected");
        node1.Sender.Send(Heartbeat(1, 2, 2));

        await WaitUntilAsync(() => second.Inbox.Count == 1, "delivery resumed");
        Assert.Equal(2UL, second.Inbox.Messages[0].Term);
        Assert.Equal([true, false, true], node1.Reachability);
    }

    [Fact]
    public async Task Unreachable_peer_is_reported_and_its_queued_messages_dropped()
    {
        // A port that was just free: nothing listens there.
        var listener = new TestListener(Options(2));
        var endPoint = listener.EndPoint;
        await listener.DisposeAsync();
        await using var node1 = new TestSender(Options(1), 2, endPoint, start: false);
        node1.Sender.Send(Heartbeat(1, 2, 1));
        node1.Sender.Start();

        await WaitUntilAsync(() => node1.Reachability.Count > 0, "reachability reported");
        Assert.Equal([false], node1.Reachability);
        await WaitUntilAsync(() => node1.Sender.Stats.MessagesDropped == 1, "the stale message dropped");
    }

    [Fact]
    public async Task Send_never_blocks_and_counts_what_overflows_the_queue()
    {
        await using var node1 = new TestSender(Options(1) with { QueueCapacity = 4 }, 2, new IPEndPoint(IPAddress.Loopback, 9), start: false);
        var accepted = Enumerable.Range(1, 10).Count(i => node1.Sender.Send(Heartbeat(1, 2, (ulong)i)));

        Assert.Equal(4, accepted);
        Assert.Equal(6, node1.Sender.Stats.MessagesDropped);
        Assert.True(node1.Log.Contains("queue full"));
    }

    [Fact]
    public async Task Send_refuses_messages_that_may_not_go_to_this_peer()
    {
        await using var node1 = new TestSender(Options(1), 2, new IPEndPoint(IPAddress.Loopback, 9), start: false);
        Assert.Throws<ArgumentException>(() => node1.Sender.Send(Heartbeat(1, 3, 1)));
        Assert.Throws<ArgumentException>(() => node1.Sender.Send(Heartbeat(4, 2, 1)));
        Assert.Throws<ArgumentException>(() => node1.Sender.Send(new RaftMessage { Type = MessageType.Unreachable, From = 1, To = 2 }));
    }
}
