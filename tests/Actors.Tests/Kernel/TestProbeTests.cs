using RaftActors.TestKit;

namespace RaftActors.Actors.Tests.Kernel;

/// <summary>The probe's own behaviour: its failures must be clear and its waits bounded.</summary>
public sealed class TestProbeTests
{
    [Fact]
    public async Task ExpectMsg_returns_the_next_message_and_records_its_sender()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var other = new TestProbe(system, "other");

        other.Send(probe, "hi");

        Assert.Equal("hi", probe.ExpectMsg<string>());
        Assert.Same(other, probe.LastSender);
    }

    [Fact]
    public async Task ExpectMsg_fails_with_a_clear_message_on_timeout()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system, "waiter", time);

        var expectation = probe.ExpectMsgAsync<string>(timeout: TimeSpan.FromSeconds(3));
        time.Advance(TimeSpan.FromSeconds(3));

        var error = await Assert.ThrowsAsync<TestKitAssertionException>(() => expectation);
        Assert.Contains("timeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("String", error.Message, StringComparison.Ordinal);
        Assert.Contains("waiter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpectMsg_fails_when_the_message_has_another_type_or_does_not_match()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        probe.Tell(42);
        probe.Tell("no");

        var wrongType = Assert.Throws<TestKitAssertionException>(() => probe.ExpectMsg<string>());
        var noMatch = Assert.Throws<TestKitAssertionException>(() => probe.ExpectMsg<string>(m => m == "yes"));

        Assert.Contains("expected a message of type String but received Int32 42", wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("does not match", noMatch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpectNoMsg_fails_when_a_message_arrives()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        probe.Tell("surprise");

        var error = await Assert.ThrowsAsync<TestKitAssertionException>(() => probe.ExpectNoMsgAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("surprise", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpectNoMsg_passes_when_nothing_arrives()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system, timeProvider: time);

        var quiet = probe.ExpectNoMsgAsync(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));

        await quiet;
    }

    [Fact]
    public async Task FishForMessage_skips_until_a_match_and_lists_what_it_skipped_on_failure()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        probe.Tell("a");
        probe.Tell(1);
        probe.Tell("b");

        Assert.Equal("b", await probe.FishForMessageAsync<string>(m => m == "b"));

        probe.Tell("c");
        var error = await Assert.ThrowsAsync<TestKitAssertionException>(
            () => probe.FishForMessageAsync<string>(m => m == "z", TimeSpan.FromMilliseconds(20)));
        Assert.Contains("String c", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Within_fails_when_the_block_takes_longer_than_max()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system, timeProvider: time);

        var error = Assert.Throws<TestKitAssertionException>(
            () => probe.Within(TimeSpan.FromSeconds(1), () => time.Advance(TimeSpan.FromSeconds(2))));

        Assert.Contains("outside", error.Message, StringComparison.Ordinal);
        probe.Within(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), () => time.Advance(TimeSpan.FromSeconds(1.5)));
    }

    [Fact]
    public async Task Within_bounds_the_expectations_inside_it()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system, timeProvider: time) { DefaultTimeout = TimeSpan.FromHours(1) };

        var block = probe.WithinAsync(TimeSpan.FromSeconds(2), () => probe.ExpectMsgAsync<string>());
        time.Advance(TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<TestKitAssertionException>(() => block);
        Assert.Contains("2000 ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AwaitAssert_retries_until_the_assertion_passes()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var attempts = 0;

        await probe.AwaitAssertAsync(
            () => Assert.True(++attempts >= 3),
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(1));

        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task AwaitAssert_rethrows_the_last_failure_at_the_deadline()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var attempts = 0;

        var error = Assert.Throws<InvalidOperationException>(() => probe.AwaitAssert(
            () => throw new InvalidOperationException($"attempt {++attempts}"),
            TimeSpan.FromMilliseconds(30),
            TimeSpan.FromMilliseconds(5)));

        Assert.Equal($"attempt {attempts}", error.Message);
        Assert.True(attempts > 1);
    }

    [Fact]
    public async Task Reply_answers_the_last_sender()
    {
        await using var system = new ActorSystem("test");
        var probe = new TestProbe(system);
        var asker = system.ActorOf(Props.Create(() => new AskingActor(probe)));

        Assert.Equal("question", await probe.ExpectMsgAsync<string>());
        probe.Reply("answer");

        Assert.Equal("answer", await probe.ExpectMsgAsync<string>(m => m.StartsWith("answer", StringComparison.Ordinal)));
        Assert.Same(asker, probe.LastSender);
    }

    /// <summary>Asks the probe a question on start and reports the answer back to it.</summary>
    private sealed class AskingActor(IActorRef probe) : ActorBase
    {
        protected override void PreStart() => probe.Tell("question", Self);

        protected override void OnReceive(object message) => probe.Tell(message, Self);
    }
}
