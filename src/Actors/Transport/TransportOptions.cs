using System.Text;

namespace RaftActors.Actors.Transport;

/// <summary>
/// Settings shared by <see cref="PeerListener"/> and <see cref="PeerSender"/>. Every node of a cluster
/// must use the same <see cref="ClusterId"/> and <see cref="Secret"/>; the handshake refuses anyone else.
/// </summary>
public sealed record TransportOptions
{
    /// <summary>Names the cluster; a node of another cluster is refused even if it knows the secret.</summary>
    public required string ClusterId { get; init; }

    /// <summary>This node's id; never 0, never reused.</summary>
    public required ulong NodeId { get; init; }

    /// <summary>The cluster secret. It never crosses the wire; the handshake proves knowledge of it with HMAC-SHA256.</summary>
    public required byte[] Secret { get; init; }

    /// <summary>Largest frame payload accepted or produced. A peer announcing a larger frame is disconnected.</summary>
    public int MaxFrameSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Snapshot payload bytes per chunk frame; the sender holds at most one chunk of a snapshot in memory.</summary>
    public int SnapshotChunkSize { get; init; } = 1024 * 1024;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A connection that has not completed the handshake within this time is closed, so a silent client cannot hold a slot.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First reconnect delay; doubles per failed attempt up to <see cref="BackoffMax"/>, with jitter.</summary>
    public TimeSpan BackoffMin { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages waiting for one peer; beyond this <see cref="PeerSender.Send"/> drops (Raft tolerates loss).</summary>
    public int QueueCapacity { get; init; } = 4096;

    /// <summary>Inbound connections allowed to be in the handshake at once; more are closed on accept.</summary>
    public int MaxPendingHandshakes { get; init; } = 64;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Check(!string.IsNullOrEmpty(ClusterId), nameof(ClusterId), "must not be empty");
        Check(Encoding.UTF8.GetByteCount(ClusterId ?? "") <= 255, nameof(ClusterId), "must be at most 255 UTF-8 bytes");
        Check(NodeId != 0, nameof(NodeId), "must not be 0");
        Check(Secret is { Length: >= 16 }, nameof(Secret), "must be at least 16 bytes");
        Check(MaxFrameSize is >= 4096 and <= 1 << 30, nameof(MaxFrameSize), "must be between 4 KiB and 1 GiB");
        Check(SnapshotChunkSize > 0 && SnapshotChunkSize <= MaxFrameSize - FrameCodec.ChunkOverhead,
            nameof(SnapshotChunkSize), $"must be positive and at most {nameof(MaxFrameSize)} - {FrameCodec.ChunkOverhead}");
        Check(ConnectTimeout > TimeSpan.Zero, nameof(ConnectTimeout), "must be positive");
        Check(HandshakeTimeout > TimeSpan.Zero, nameof(HandshakeTimeout), "must be positive");
        Check(BackoffMin > TimeSpan.Zero && BackoffMin <= BackoffMax, nameof(BackoffMin), $"must be positive and at most {nameof(BackoffMax)}");
        Check(QueueCapacity > 0, nameof(QueueCapacity), "must be positive");
        Check(MaxPendingHandshakes > 0, nameof(MaxPendingHandshakes), "must be positive");
    }

    private static void Check(bool ok, string name, string rule)
    {
        if (!ok) throw new ArgumentException($"TransportOptions.{name} {rule}.", name);
    }
}
