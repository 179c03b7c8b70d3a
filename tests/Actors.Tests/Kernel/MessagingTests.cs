using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Kernel;

/// <summary>Tell, ordering, Ask and dead letters.</summary>
public sealed class MessagingTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Actor_processes_messages_one_at_a_time_and_in_order_per_sender()
    {
        await using var system = new ActorSystem("test");
        var tracker = new OverlapTracker();
        var actor = system.ActorOf(Props.Create(() => new OverlapActor(tracker)));
        const int senders = 8;
        const int perSender = 500;

        // All senders start together so that their tells really race.
        using var go = new Barrier(senders);
        var threads = Enumerable.Range(0, senders).Select(s => new Thread(() =>
        {
            go.SignalAndWait();
            for (var i = 0; i < perSender; i++)
            {
                actor.Tell(new Numbered(s, i));
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        // Everything told above is queued before this ask, so the answer comes after all of it.
        var handled = await actor.Ask<int>("count", Long);

        Assert.Equal(senders * perSender, handled);
        Assert.Equal(1, tracker.MaxConcurrent);
        Assert.Empty(tracker.OutOfOrder);
    }

    [Fact]
    public async Task Ask_returns_the_reply()
    {
        await using var system = new ActorSystem("test");
        var echo = system.ActorOf(Props.Create(() => new EchoActor()), "echo");

        Assert.Equal("hello", await echo.Ask<string>("hello", Long));
    }

    [Fact]
    public async Task Ask_fails_with_the_cause_of_a_failure_reply()
    {
        await using var system = new ActorSystem("test");
        var echo = system.ActorOf(Props.Create(() => new EchoActor()));

        var error = await Assert.ThrowsAsync<IOException>(
            () => echo.Ask<string>(new Status.Failure(new IOException("not leader")), Long));
        Assert.Equal("not leader", error.Message);
    }

    [Fact]
    public async Task Ask_fails_when_the_reply_has_another_type()
    {
        await using var system = new ActorSystem("test");
        var echo = system.ActorOf(Props.Create(() => new EchoActor()));

        var error = await Assert.ThrowsAsync<InvalidCastException>(() => echo.Ask<int>("text", Long));
        Assert.Contains("Int32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_times_out_on_the_system_clock()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", time);
        var silent = system.ActorOf(Props.Create(() => new SilentActor()), "silent");

        var reply = silent.Ask<string>("anyone?", TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(reply.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));

        var error = await Assert.ThrowsAsync<AskTimeoutException>(() => reply);
        Assert.Contains("raft://test/user/silent", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, time.ActiveTimers);
    }

    [Fact]
    public async Task Ask_is_cancelled_by_its_token()
    {
        await using var system = new ActorSystem("test", new ManualTimeProvider());
        var silent = system.ActorOf(Props.Create(() => new SilentActor()));
        using var cancel = new CancellationTokenSource();

        var reply = silent.Ask<string>("anyone?", TimeSpan.FromSeconds(5), cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reply);
    }

    [Fact]
    public async Task Messages_to_a_stopped_actor_go_to_dead_letters()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        system.EventStream.Subscribe<DeadLetter>(probe);
        var echo = system.ActorOf(Props.Create(() => new EchoActor()), "gone");
        system.Stop(echo);
        await system.WhenStopped(echo);

        echo.Tell("hello?", probe);

        var dead = await probe.ExpectMsgAsync<DeadLetter>();
        Assert.Equal("hello?", dead.Message);
        Assert.Same(echo, dead.Recipient);
        Assert.Same(probe, dead.Sender);
    }

    [Fact]
    public async Task Reply_without_a_sender_goes_to_dead_letters()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        system.EventStream.Subscribe<DeadLetter>(probe);
        var echo = system.ActorOf(Props.Create(() => new EchoActor()));

        echo.Tell("no one asked");

        var dead = await probe.ExpectMsgAsync<DeadLetter>();
        Assert.Equal("no one asked", dead.Message);
        Assert.Same(system.DeadLetters, dead.Recipient);
    }

    [Fact]
    public async Task Unhandled_messages_are_published()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        system.EventStream.Subscribe<UnhandledMessage>(probe);
        var actor = system.ActorOf(Props.Create(() => new OnlyInts()));

        actor.Tell("not an int", probe);

        var unhandled = await probe.ExpectMsgAsync<UnhandledMessage>();
        Assert.Equal("not an int", unhandled.Message);
        Assert.Same(actor, unhandled.Recipient);
    }

    [Fact]
    public async Task Actor_names_are_unique_among_live_actors()
    {
        await using var system = new ActorSystem("test");
        system.ActorOf(Props.Create(() => new EchoActor()), "one");

        Assert.Throws<ArgumentException>(() => system.ActorOf(Props.Create(() => new EchoActor()), "one"));
    }

    private sealed record Numbered(int Sender, int Sequence);

    private sealed class OverlapTracker
    {
        public int Inside;
        public int MaxConcurrent;
        public readonly List<string> OutOfOrder = [];
    }

    /// <summary>Counts how many handlers run at once; its handler awaits in the middle to invite overlap.</summary>
    private sealed class OverlapActor(OverlapTracker tracker) : ActorBase
    {
        private readonly Dictionary<int, int> _lastBySender = [];
        private int _handled;

        protected override async ValueTask OnReceiveAsync(object message)
        {
            var now = Interlocked.Increment(ref tracker.Inside);
            InterlockedMax(ref tracker.MaxConcurrent, now);
            await Task.Yield();
            if (message is Numbered n)
            {
                if (_lastBySender.TryGetValue(n.Sender, out var last) && last + 1 != n.Sequence)
                {
                    tracker.OutOfOrder.Add($"sender {n.Sender}: {n.Sequence} after {last}");
                }

                _lastBySender[n.Sender] = n.Sequence;
                _handled++;
            }
            else
            {
                Sender.Tell(_handled);
            }

            Interlocked.Decrement(ref tracker.Inside);
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    private sealed class OnlyInts : ReceiveActor
    {
        public OnlyInts() => Receive<int>(_ => { });
    }
}
