using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace RaftActors.Actors;

internal static partial class NodeLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "node {NodeId}: handed leadership to node {Successor} before stopping")]
    public static partial void HandedOver(ILogger logger, ulong nodeId, ulong successor);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "node {NodeId}: could not hand leadership over before stopping: {Reason}")]
    public static partial void HandOverFailed(ILogger logger, ulong nodeId, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "node {NodeId}: dropped a malformed forward frame from node {Peer}: {Reason}")]
    public static partial void BadForward(ILogger logger, ulong nodeId, ulong peer, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Critical, Message = "node {NodeId}: stopped itself: {Reason}")]
    public static partial void FailStopped(ILogger logger, ulong nodeId, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "node {NodeId}: started, listening for peers at {Address}")]
    public static partial void Started(ILogger logger, ulong nodeId, string address);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "an event handler threw")]
    public static partial void EventHandlerFailed(ILogger logger, Exception error);
}
