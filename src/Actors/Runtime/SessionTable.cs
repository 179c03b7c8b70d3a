using Akka.Actor;
using System.Buffers;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>What the session table says about a command that carries a client session.</summary>
internal enum SessionVerdict
{
    /// <summary>A sequence the client has not had applied yet: apply it.</summary>
    Apply,

    /// <summary>The client's latest applied sequence again (a retry): answer with the cached result.</summary>
    Duplicate,

    /// <summary>Older than the client's latest applied sequence: refuse it.</summary>
    Stale,
}

/// <summary>
/// The exactly-once client sessions: per client, the last applied sequence number and its result.
/// It is replicated state — every node changes it only while applying committed entries, in log order,
/// and it is part of every service snapshot — so it must be deterministic: the same entries give the
/// same table on every node. It holds at most <see cref="Capacity"/> clients; beyond that it evicts the
/// client whose last command has the lowest log index (unique per client, so every node evicts the
/// same one). An evicted client's retry is applied again: the table bounds memory, not correctness of
/// clients that stay active.
/// </summary>
internal sealed class SessionTable
{
    // Ordered by the log index of each client's last command, oldest first. Commands are recorded in
    // log order, so appending at the tail keeps the order and eviction takes the head in O(1).
    private readonly LinkedList<Session> _byIndex = new();
    private readonly Dictionary<ulong, LinkedListNode<Session>> _byClient = [];

    public SessionTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _byClient.Count;

    /// <summary>The sessions, oldest last command first (the order they are evicted and written in).</summary>
    public IEnumerable<Session> Sessions => _byIndex;

    /// <summary>Decides what to do with <paramref name="sequence"/> (&gt; 0) of <paramref name="clientId"/> (≠ 0).</summary>
    public SessionVerdict Check(ulong clientId, ulong sequence, out byte[] cachedResult)
    {
        cachedResult = [];
        if (!_byClient.TryGetValue(clientId, out var node) || sequence > node.Value.Sequence) return SessionVerdict.Apply;
        if (sequence < node.Value.Sequence) return SessionVerdict.Stale;
        cachedResult = node.Value.Result;
        return SessionVerdict.Duplicate;
    }

    /// <summary>
    /// Records that the command at <paramref name="index"/> applied <paramref name="sequence"/> for the
    /// client with <paramref name="result"/>. Returns the client evicted to stay within capacity, or 0.
    /// </summary>
    public ulong Record(ulong clientId, ulong sequence, ulong index, byte[] result)
    {
        if (clientId == 0 || sequence == 0) throw new ArgumentException("a session needs a client id and a sequence above 0");
        if (_byIndex.Last is { } last && index <= last.Value.Index)
        {
            throw new InvalidOperationException($"session commands must be recorded in log order: index {index} after {last.Value.Index}");
        }
        if (_byClient.Remove(clientId, out var existing)) _byIndex.Remove(existing);
        _byClient[clientId] = _byIndex.AddLast(new Session(clientId, sequence, index, result));
        return EvictBeyondCapacity();
    }

    /// <summary>Writes the table: count, then each session (client, sequence, index, result) oldest first.</summary>
    public void Write(IBufferWriter<byte> output)
    {
        var w = new WireWriter(output);
        w.VarUInt((ulong)_byClient.Count);
        foreach (var s in _byIndex)
        {
            w.VarUInt(s.ClientId);
            w.VarUInt(s.Sequence);
            w.VarUInt(s.Index);
            w.Bytes(s.Result);
        }
    }

    /// <summary>
    /// Reads a table written by <see cref="Write"/>, checking it is well formed (non-zero ids and
    /// sequences, unique clients, strictly increasing indexes); throws <see cref="CodecException"/>.
    /// A table larger than <paramref name="capacity"/> (the limit was lowered) is cut from its oldest end.
    /// </summary>
    public static SessionTable Read(ref WireReader reader, int capacity)
    {
        var table = new SessionTable(capacity);
        // Each session takes at least 4 bytes: three varints and a length prefix.
        var count = reader.Count(4, "session");
        for (var i = 0; i < count; i++)
        {
            var client = reader.VarUInt();
            var sequence = reader.VarUInt();
            var index = reader.VarUInt();
            var result = reader.Bytes();
            if (client == 0 || sequence == 0) throw new CodecException($"session {i} has a zero client id or sequence");
            if (table._byClient.ContainsKey(client)) throw new CodecException($"client {client} appears twice in the session table");
            if (table._byIndex.Last is { } last && index <= last.Value.Index)
            {
                throw new CodecException($"session table out of order: index {index} after {last.Value.Index}");
            }
            table._byClient[client] = table._byIndex.AddLast(new Session(client, sequence, index, result));
        }
        table.EvictBeyondCapacity();
        return table;
    }

    private ulong EvictBeyondCapacity()
    {
        ulong evicted = 0;
        while (_byClient.Count > Capacity)
        {
            var oldest = _byIndex.First!;
            _byIndex.RemoveFirst();
            _byClient.Remove(oldest.Value.ClientId);
            evicted = oldest.Value.ClientId;
        }
        return evicted;
    }

    /// <summary>One client's latest applied command.</summary>
    internal sealed record Session(ulong ClientId, ulong Sequence, ulong Index, byte[] Result);
}
