using Akka.Actor;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The calling side of request forwarding: numbers each call, sends it to the leader over the peer
/// connection and waits for the matching response. Lost frames are not retried here: the caller's
/// deadline ends the wait and the request router decides what to do next.
/// A response is matched by sender and call id. Call ids count up from a random 64-bit start drawn when
/// the node starts, so a late answer to a call of an earlier start (of this process or a previous one)
/// cannot complete a call of this one: the two ranges of ids would have to meet, a chance of about
/// calls / 2^64.
/// </summary>
internal sealed class Forwarder(Func<ulong, Remote.PeerPayloadKind, byte[], bool> send, long firstCall)
{
    private readonly ConcurrentDictionary<ulong, (ulong Leader, TaskCompletionSource<ForwardResponse> Completion)> _calls = new();
    private long _nextCall = firstCall - 1;

    public Forwarder(Func<ulong, Remote.PeerPayloadKind, byte[], bool> send) : this(send, RandomStart()) { }

    private static long RandomStart() => BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));

    public int PendingCalls => _calls.Count;

    public async Task<byte[]> CallAsync(ulong leader, ForwardRequest request, CancellationToken deadline)
    {
        var callId = (ulong)Interlocked.Increment(ref _nextCall);
        var completion = new TaskCompletionSource<ForwardResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[callId] = (leader, completion);
        try
        {
            if (!send(leader, Remote.PeerPayloadKind.ForwardRequest, ForwardCodec.Encode(request with { CallId = callId })))
            {
                throw new RaftNodeException(RaftErrorCode.NoLeader, $"cannot reach the leader, node {leader}");
            }
            var response = await completion.Task.WaitAsync(deadline).ConfigureAwait(false);
            if (response.Error is { } code) throw new RaftNodeException(code, $"node {leader}: {response.Message}");
            return response.Result;
        }
        finally
        {
            _calls.TryRemove(callId, out _);
        }
    }

    /// <summary>Sends the answer to a request that <paramref name="to"/> forwarded here; a lost answer ends in the caller's timeout.</summary>
    public void Reply(ulong to, ForwardResponse response) => send(to, Remote.PeerPayloadKind.ForwardResponse, ForwardCodec.Encode(response));

    /// <summary>Completes the call <paramref name="response"/> answers, if it is ours and was sent to <paramref name="from"/>.</summary>
    public void OnResponse(ulong from, ForwardResponse response)
    {
        if (!_calls.TryGetValue(response.CallId, out var call) || call.Leader != from) return;
        if (_calls.TryRemove(new KeyValuePair<ulong, (ulong, TaskCompletionSource<ForwardResponse>)>(response.CallId, call)))
        {
            call.Completion.TrySetResult(response);
        }
    }

    public void FailAll(Exception error)
    {
        foreach (var id in _calls.Keys)
        {
            if (_calls.TryRemove(id, out var call)) call.Completion.TrySetException(error);
        }
    }

    /// <summary>Decodes an inbound forward frame; malformed input throws <see cref="CodecException"/>.</summary>
    public static object Decode(ReadOnlyMemory<byte> payload) => ForwardCodec.Decode(payload.Span);
}
