using Akka.Actor;
using System.Collections.Concurrent;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The client requests this node is waiting on, by request id. The RaftActor registers a proposal; the
/// ServiceActor completes it when it applies the entry that carries the id (every node applies every
/// entry, so the node that proposed answers its own client). Ids embed the node's incarnation — a
/// counter persisted and bumped at every start — so an entry proposed before a restart can never
/// complete a request made after it.
/// </summary>
internal sealed class RequestRegistry
{
    private ulong _incarnation;

    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<byte[]>> _pending = new();
    private long _counter;

    public int Count => _pending.Count;

    /// <summary>Set once the RaftActor has persisted the new start counter, before any request is taken.</summary>
    public void SetIncarnation(ulong incarnation) => Volatile.Write(ref _incarnation, incarnation & 0xFFFFFF);

    public ulong NextId() => (Volatile.Read(ref _incarnation) << 40) | ((ulong)Interlocked.Increment(ref _counter) & ((1UL << 40) - 1));

    public TaskCompletionSource<byte[]> Register(ulong requestId)
    {
        var completion = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(requestId, completion)) throw new InvalidOperationException($"request {requestId} is registered already");
        return completion;
    }

    /// <summary>Adds a completion created by the caller (so it can be awaited before registration is visible).</summary>
    public void Register(ulong requestId, TaskCompletionSource<byte[]> completion)
    {
        if (!_pending.TryAdd(requestId, completion)) throw new InvalidOperationException($"request {requestId} is registered already");
    }

    public bool IsPending(ulong requestId) => _pending.ContainsKey(requestId);

    public bool TryComplete(ulong requestId, byte[] result) =>
        _pending.TryRemove(requestId, out var completion) && completion.TrySetResult(result);

    public bool TryFail(ulong requestId, Exception error) =>
        _pending.TryRemove(requestId, out var completion) && completion.TrySetException(error);

    /// <summary>Forgets a request whose caller gave up (timeout, cancellation) without completing it.</summary>
    public void Forget(ulong requestId) => _pending.TryRemove(requestId, out _);

    public void FailAll(Exception error)
    {
        foreach (var id in _pending.Keys) TryFail(id, error);
    }
}
