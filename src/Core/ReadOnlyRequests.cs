using RaftActors.Messages;

namespace RaftActors.Core;

/// <summary>How the leader confirms it is still leader before serving a read.</summary>
public enum ReadOnlyOption
{
    /// <summary>ReadIndex (thesis §6.4): a heartbeat round acknowledged by a quorum. Safe under any clock behaviour.</summary>
    Safe,
    /// <summary>
    /// Leader lease (<see cref="LeaderLease"/>): no round trip while a quorum answered a heartbeat recently
    /// enough that no other leader can have been elected since; a ReadIndex round otherwise. Faster; unsafe
    /// if clocks drift more than <see cref="RaftConfig.LeaseClockDriftTicks"/>.
    /// </summary>
    LeaseBased,
}

/// <summary>
/// A read that may be served once the local service has applied up to <see cref="Index"/>;
/// <see cref="RequestContext"/> is the caller's token that identifies the request.
/// </summary>
public sealed record ReadState(ulong Index, byte[] RequestContext);

/// <summary>
/// The leader's pending ReadIndex requests (etcd's readOnly). Each is keyed by its request context,
/// records the commit index at arrival and the voters that acknowledged a heartbeat carrying that
/// context. Requests are confirmed in arrival order: a quorum acknowledging a later one confirms
/// every earlier one too.
/// </summary>
internal sealed class ReadOnlyRequests(ReadOnlyOption option)
{
    private sealed class Status(RaftMessage request, ulong index)
    {
        public RaftMessage Request { get; } = request;
        public ulong Index { get; } = index;
        public Dictionary<ulong, bool> Acks { get; } = [];
    }

    private readonly Dictionary<string, Status> _pending = [];
    private readonly List<string> _queue = [];

    public ReadOnlyOption Option { get; } = option;

    public int PendingCount => _queue.Count;

    private static string Key(byte[] context) => Convert.ToBase64String(context);

    public void Add(ulong index, RaftMessage request)
    {
        var key = Key(request.Entries[0].Data);
        if (_pending.ContainsKey(key)) return;
        _pending[key] = new Status(request, index);
        _queue.Add(key);
    }

    /// <summary>Records that <paramref name="id"/> acknowledged the round of <paramref name="context"/>; returns the acks so far.</summary>
    public IReadOnlyDictionary<ulong, bool>? RecordAck(ulong id, byte[] context)
    {
        if (!_pending.TryGetValue(Key(context), out var status)) return null;
        status.Acks[id] = true;
        return status.Acks;
    }

    /// <summary>Confirms the request of <paramref name="context"/> and every one queued before it.</summary>
    public IReadOnlyList<(RaftMessage Request, ulong Index)> Advance(byte[] context)
    {
        var key = Key(context);
        var at = _queue.IndexOf(key);
        if (at < 0) return [];
        var confirmed = new List<(RaftMessage, ulong)>(at + 1);
        for (var i = 0; i <= at; i++)
        {
            var status = _pending[_queue[i]];
            confirmed.Add((status.Request, status.Index));
            _pending.Remove(_queue[i]);
        }
        _queue.RemoveRange(0, at + 1);
        return confirmed;
    }

    /// <summary>The context of the newest pending request, piggybacked on heartbeats.</summary>
    public byte[] LastPendingContext() => _queue.Count == 0 ? [] : _pending[_queue[^1]].Request.Entries[0].Data;
}
