using Akka.Actor;
using System.Collections.Concurrent;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The calling side of request forwarding: numbers each call, sends it to the leader over the peer
/// connection and waits for the matching response. Lost frames are not retried here: the caller's
/// deadline ends the wait and the request router decides what to do next.
/// </summary>
internal sealed class Forwarder(Func<ulong, Remote.PeerPayloadKind, byte[], bool> send)
{
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<ForwardResponse>> _calls = new();
    private long _nextCall;

    public int PendingCalls => _calls.Count;

    public async Task<byte[]> CallAsync(ulong leader, ForwardRequest request, CancellationToken deadline)
    {
        var callId = (ulong)Interlocked.Increment(ref _nextCall);
        var completion = new TaskCompletionSource<ForwardResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[callId] = completion;
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

    public void OnResponse(ForwardResponse response)
    {
        if (_calls.TryRemove(response.CallId, out var completion)) completion.TrySetResult(response);
    }

    public void FailAll(Exception error)
    {
        foreach (var id in _calls.Keys)
        {
            if (_calls.TryRemove(id, out var completion)) completion.TrySetException(error);
        }
    }

    /// <summary>Decodes an inbound forward frame; malformed input throws <see cref="CodecException"/>.</summary>
    public static object Decode(ReadOnlyMemory<byte> payload) => ForwardCodec.Decode(payload.Span);
}
