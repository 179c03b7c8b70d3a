using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace RaftActors.Actors.Runtime;

/// <summary>The runtime's log messages, with stable event ids (source-generated, no allocation when disabled).</summary>
internal static partial class RaftActorLog
{
    [LoggerMessage(EventId = 1000, Message = "node {NodeId}: {Message}")]
    public static partial void Core(ILogger logger, LogLevel level, ulong nodeId, string message);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "node {NodeId}: refused a message from {Peer}: {Reason}")]
    public static partial void RefusedPeerMessage(ILogger logger, ulong nodeId, ulong peer, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Critical, Message = "node {NodeId}: {Why}; stopping the node (fail-stop)")]
    public static partial void JournalFailed(ILogger logger, ulong nodeId, string why, Exception error);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "node {NodeId}: stored a snapshot at index {Index} ({Bytes} bytes), log compacted up to {CompactedTo}")]
    public static partial void SnapshotStored(ILogger logger, ulong nodeId, ulong index, long bytes, ulong compactedTo);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "node {NodeId}: installed a snapshot at index {Index} from the leader")]
    public static partial void SnapshotInstalled(ILogger logger, ulong nodeId, ulong index);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "node {NodeId}: membership is now {Config}")]
    public static partial void MembershipChanged(ILogger logger, ulong nodeId, Messages.ConfState config);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "node {NodeId}: a snapshot from the leader at index {Index} was not staged; ignoring it")]
    public static partial void SnapshotNotStaged(ILogger logger, ulong nodeId, ulong index);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "node {NodeId}: role {Role} at term {Term}, leader {Leader}")]
    public static partial void RoleChanged(ILogger logger, ulong nodeId, Core.StateRole role, ulong term, ulong leader);
}

internal static partial class RaftActorLog
{
    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "node {NodeId}: compaction did not complete ({Reason}); the journal keeps the events and the next snapshot tries again")]
    public static partial void CompactionFailed(ILogger logger, ulong nodeId, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "node {NodeId}: dropped a frame from {Sender}: {Reason}")]
    public static partial void DroppedFrame(ILogger logger, ulong nodeId, string sender, string reason);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "node {NodeId}: {Message}")]
    public static partial void Peer(ILogger logger, ulong nodeId, string message);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning,
        Message = "node {NodeId}: a journal write has been pending for {Milliseconds} ms; until it completes this node sends no vote or acknowledgement and applies nothing")]
    public static partial void WriteStalled(ILogger logger, ulong nodeId, long milliseconds);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "node {NodeId}: the stalled journal write completed after {Milliseconds} ms")]
    public static partial void WriteResumed(ILogger logger, ulong nodeId, long milliseconds);
}
