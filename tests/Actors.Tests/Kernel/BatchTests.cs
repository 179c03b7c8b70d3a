using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Kernel;

/// <summary>An actor that opts in gets everything queued as one batch (the RaftActor's group commit).</summary>
public sealed class BatchTests
{
    [Fact]
    public async Task Batch_draining_gives_all_queued_messages_in_one_batch()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var gate = new TaskCompletionSource();
        var actor = system.ActorOf(Props.Create(() => new BatchingActor(probe, gate.Task, maxBatch: 1000)));

        // The first batch holds the actor while ten more messages queue up.
        actor.Tell("hold");
        await probe.ExpectMsgAsync<Batch>(b => b.Messages.SequenceEqual(["hold"]));
        for (var i = 0; i < 10; i++)
        {
            actor.Tell($"m{i}");
        }

        gate.SetResult();

        var batch = await probe.ExpectMsgAsync<Batch>();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{i}"), batch.Messages);
    }

    [Fact]
    public async Task Batches_are_no_larger_than_MaxBatchSize()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var gate = new TaskCompletionSource();
        var actor = system.ActorOf(Props.Create(() => new BatchingActor(probe, gate.Task, maxBatch: 4)));
        actor.Tell("hold");
        await probe.ExpectMsgAsync<Batch>();
        for (var i = 0; i < 10; i++)
        {
            actor.Tell($"m{i}");
        }

        gate.SetResult();

        Assert.Equal(4, (await probe.ExpectMsgAsync<Batch>()).Messages.Count);
        Assert.Equal(4, (await probe.ExpectMsgAsync<Batch>()).Messages.Count);
        Assert.Equal(2, (await probe.ExpectMsgAsync<Batch>()).Messages.Count);
    }

    [Fact]
    public async Task Each_message_of_a_batch_is_handled_with_its_own_sender()
    {
        await using var system = new ActorSystem("test");
        var collector = new TestProbe(system);
        var gate = new TaskCompletionSource();
        var actor = system.ActorOf(Props.Create(() => new BatchingActor(collector, gate.Task, maxBatch: 100)));
        actor.Tell("hold");
        await collector.ExpectMsgAsync<Batch>();
        var askers = Enumerable.Range(0, 3).Select(i => new TestProbe(system, $"asker{i}")).ToList();
        for (var i = 0; i < askers.Count; i++)
        {
            askers[i].Send(actor, $"from {i}");
        }

        gate.SetResult();

        for (var i = 0; i < askers.Count; i++)
        {
            Assert.Equal($"ack from {i}", await askers[i].ExpectMsgAsync<string>());
        }

        Assert.Equal(3, (await collector.ExpectMsgAsync<Batch>()).Messages.Count);
    }

    [Fact]
    public async Task Messages_after_a_failure_in_a_batch_go_to_dead_letters()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var gate = new TaskCompletionSource();
        var actor = system.ActorOf(Props.Create(() => new BatchingActor(probe, gate.Task, maxBatch: 100)));
        actor.Tell("hold");
        await probe.ExpectMsgAsync<Batch>();

        // Subscribed only now: the ack of "hold", which had no sender, is a dead letter too.
        var dead = new TestProbe(system);
        system.EventStream.Subscribe<DeadLetter>(dead);
        var sender = new TestProbe(system, "sender");
        foreach (var m in new[] { "a", "boom", "b", "c" })
        {
            sender.Send(actor, m);
        }

        gate.SetResult();

        Assert.Equal("ack a", await sender.ExpectMsgAsync<string>());
        Assert.Equal("b", (await dead.ExpectMsgAsync<DeadLetter>()).Message);
        Assert.Equal("c", (await dead.ExpectMsgAsync<DeadLetter>()).Message);
        sender.Send(actor, "after restart");
        Assert.Equal("ack after restart", await sender.ExpectMsgAsync<string>());
    }

    private sealed record Batch(IReadOnlyList<string> Messages);

    /// <summary>Acknowledges each message to its sender, then reports the whole batch once, as a Ready cycle would.</summary>
    private sealed class BatchingActor(IActorRef probe, Task gate, int maxBatch) : ActorBase
    {
        private readonly List<string> _current = [];

        protected override int MaxBatchSize => maxBatch;

        protected override void OnReceive(object message)
        {
            if (message is "boom")
            {
                throw new InvalidOperationException("boom");
            }

            _current.Add((string)message);
            Sender.Tell($"ack {message}", Self);
        }

        protected override async ValueTask OnBatchAsync(IReadOnlyList<Envelope> batch)
        {
            await base.OnBatchAsync(batch);
            probe.Tell(new Batch([.. _current]));
            _current.Clear();
            await gate;
        }
    }
}
