using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace RaftActors.Actors.Runtime;

/// <summary>The ServiceActor's log messages, with stable event ids.</summary>
internal static partial class ServiceActorLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Error, Message = "node {NodeId}: entry {Index} carries no decodable command; applied as a no-op")]
    public static partial void UndecodableEntry(ILogger logger, ulong nodeId, ulong index, Exception error);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "node {NodeId}: entry {Index} names the unknown namespace '{Namespace}'; applied as a no-op")]
    public static partial void UnknownNamespace(ILogger logger, ulong nodeId, ulong index, string @namespace);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "node {NodeId}: entry {Index} has client {ClientId} with sequence 0; applied as a no-op")]
    public static partial void ZeroSequence(ILogger logger, ulong nodeId, ulong index, ulong clientId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "node {NodeId}: wrote a service snapshot at index {Index} term {Term} to {Path}")]
    public static partial void SnapshotWritten(ILogger logger, ulong nodeId, ulong index, ulong term, string path);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "node {NodeId}: writing a service snapshot at index {Index} failed; the next attempt comes after another {Every} entries")]
    public static partial void SnapshotFailed(ILogger logger, ulong nodeId, ulong index, ulong every, Exception error);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "node {NodeId}: restored the services from {Source}, now at index {Index}")]
    public static partial void Restored(ILogger logger, ulong nodeId, string source, ulong index);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "node {NodeId}: ignored a snapshot at index {Index}: the services have applied up to {Applied} already")]
    public static partial void OlderSnapshotIgnored(ILogger logger, ulong nodeId, ulong index, ulong applied);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Critical, Message = "node {NodeId}: the ServiceActor stops (fail-stop): {Reason}")]
    public static partial void FailStop(ILogger logger, ulong nodeId, string reason, Exception? error);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Debug, Message = "node {NodeId}: session table full; evicted client {ClientId}")]
    public static partial void SessionEvicted(ILogger logger, ulong nodeId, ulong clientId);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "node {NodeId}: could not delete the snapshot file {Path}")]
    public static partial void DeleteFailed(ILogger logger, ulong nodeId, string path, Exception error);
}
