using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// Replies to forwarded requests are matched by sender and call id, and call ids of different starts of a
/// node do not meet: a late reply to a call made before a restart cannot complete a call made after it.
/// </summary>
public sealed class ForwarderTests
{
    private const ulong Leader = 2;

    /// <summary>A forwarder whose sent requests are kept, decoded, in <paramref name="sent"/>.</summary>
    private static Forwarder Recording(List<(ulong To, ForwardRequest Request)> sent) => new((to, kind, body) =>
    {
        Assert.Equal(PeerPayloadKind.ForwardRequest, kind);
        lock (sent) sent.Add((to, (ForwardRequest)ForwardCodec.Decode(body)));
        return true;
    });

    private static ForwardRequest Propose() => new(0, ForwardOperation.Propose, "kv", [1], 0, 0, 0);

    private static ForwardResponse Answer(ulong callId, byte result) => new(callId, null, "", [result]);

    [Fact]
    public async Task A_reply_to_a_call_of_an_earlier_start_does_not_complete_a_call_of_this_start()
    {
        var before = new List<(ulong, ForwardRequest)>();
        var earlier = Recording(before);
        using var gaveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => earlier.CallAsync(Leader, Propose(), gaveUp.Token));
        var staleId = Assert.Single(before).Item2.CallId;

        // The node restarts; its first call is pending when the leader's late answer to the old call arrives.
        var after = new List<(ulong, ForwardRequest)>();
        var restarted = Recording(after);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var call = restarted.CallAsync(Leader, Propose(), deadline.Token);
        var currentId = Assert.Single(after).Item2.CallId;

        restarted.OnResponse(Leader, Answer(staleId, 7));
        Assert.False(call.IsCompleted, "the late answer to the earlier start's call completed this start's call");
        Assert.Equal(1, restarted.PendingCalls);

        restarted.OnResponse(Leader, Answer(currentId, 9));
        Assert.Equal([9], await call);
    }

    [Fact]
    public async Task A_reply_from_another_node_than_the_one_called_does_not_complete_the_call()
    {
        var sent = new List<(ulong, ForwardRequest)>();
        var forwarder = Recording(sent);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var call = forwarder.CallAsync(Leader, Propose(), deadline.Token);
        var (to, request) = Assert.Single(sent);
        Assert.Equal(Leader, to);

        forwarder.OnResponse(3, Answer(request.CallId, 7));
        Assert.False(call.IsCompleted, "node 3 answered a call sent to node 2");

        forwarder.OnResponse(Leader, Answer(request.CallId, 9));
        Assert.Equal([9], await call);
        Assert.Equal(0, forwarder.PendingCalls);
    }
}
