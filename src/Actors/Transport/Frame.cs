using RaftActors.Messages;

namespace RaftActors.Actors.Transport;

/// <summary>The first payload byte of every frame.</summary>
internal enum FrameKind : byte
{
    Batch = 1,
    SnapshotBegin = 2,
    SnapshotChunk = 3,
    SnapshotAbort = 4,
    Forward = 5,
}

/// <summary>One decoded frame. The closed set of shapes the receive loop switches over.</summary>
internal abstract record Frame;

internal sealed record BatchFrame(IReadOnlyList<RaftMessage> Messages) : Frame;

/// <summary>Opens snapshot <paramref name="SnapshotId"/>: the Snapshot message with metadata only; the payload follows as chunks.</summary>
internal sealed record SnapshotBeginFrame(ulong SnapshotId, RaftMessage Message) : Frame;

/// <summary><paramref name="Data"/> points into the pooled frame buffer and is valid only until the frame is released.</summary>
internal sealed record SnapshotChunkFrame(ulong SnapshotId, long Offset, bool Last, ReadOnlyMemory<byte> Data) : Frame;

internal sealed record SnapshotAbortFrame(ulong SnapshotId) : Frame;

/// <summary>
/// An opaque application payload (the node's request forwarding). <paramref name="Payload"/> points into the
/// pooled frame buffer and is valid only until the frame is released.
/// </summary>
internal sealed record ForwardFrame(ReadOnlyMemory<byte> Payload) : Frame;
