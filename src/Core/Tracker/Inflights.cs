namespace RaftActors.Core.Tracker;

/// <summary>
/// The flow-control window of one follower in Replicate state: the last index of every append
/// message sent but not yet acknowledged, with its size. The leader stops sending when either the
/// message count or the byte total reaches its cap, so a slow follower cannot make the leader
/// buffer without bound. A ring buffer, because messages are acknowledged in order.
/// </summary>
public sealed class Inflights
{
    private readonly int _capacity;
    private readonly ulong _maxBytes;
    private (ulong Index, ulong Bytes)[] _buffer = [];
    private int _start;

    public Inflights(int capacity, ulong maxBytes)
    {
        _capacity = capacity;
        _maxBytes = maxBytes;
    }

    public int Count { get; private set; }

    public ulong Bytes { get; private set; }

    public bool Full => Count == _capacity || (_maxBytes != 0 && Bytes >= _maxBytes);

    public Inflights Clone()
    {
        var copy = new Inflights(_capacity, _maxBytes) { Count = Count, Bytes = Bytes, _start = _start };
        copy._buffer = (((ulong, ulong)[])_buffer.Clone());
        return copy;
    }

    /// <summary>Records an append message whose last entry is <paramref name="index"/>; indexes only grow.</summary>
    public void Add(ulong index, ulong bytes)
    {
        if (Full) throw new RaftInvariantException("cannot add to a full inflights window");
        if (Count == _buffer.Length) Grow();
        _buffer[(_start + Count) % _buffer.Length] = (index, bytes);
        Count++;
        Bytes += bytes;
    }

    // Grow lazily: most followers never need the whole window.
    private void Grow()
    {
        var size = Math.Min(_capacity, Math.Max(1, _buffer.Length * 2));
        var next = new (ulong, ulong)[size];
        for (var i = 0; i < Count; i++) next[i] = _buffer[(_start + i) % _buffer.Length];
        _buffer = next;
        _start = 0;
    }

    /// <summary>Frees every message whose last index is &lt;= <paramref name="to"/> (acknowledged).</summary>
    public void FreeLE(ulong to)
    {
        if (Count == 0 || to < _buffer[_start].Index) return;
        var freed = 0;
        var idx = _start;
        ulong bytes = 0;
        for (; freed < Count; freed++)
        {
            if (to < _buffer[idx].Index) break;
            bytes += _buffer[idx].Bytes;
            idx = (idx + 1) % _buffer.Length;
        }
        Count -= freed;
        Bytes -= bytes;
        _start = Count == 0 ? 0 : idx;
    }

    /// <summary>Frees the oldest message: a heartbeat response proves the follower is alive, so let one more through.</summary>
    public void FreeFirstOne()
    {
        if (Count > 0) FreeLE(_buffer[_start].Index);
    }

    public void Reset()
    {
        Count = 0;
        Bytes = 0;
        _start = 0;
    }
}
