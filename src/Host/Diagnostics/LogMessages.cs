using Microsoft.Extensions.Logging;

namespace RaftActors.Host.Diagnostics;

/// <summary>Every log line of the host, with stable event ids (1xxx node lifecycle, 2xxx membership, 3xxx HTTP, 4xxx demo).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(1001, LogLevel.Information, "Node {NodeId} starting ({Mode}): peer address {Peer}, HTTP {Http}, data in {DataDir}")]
    public static partial void NodeStarting(ILogger logger, ulong nodeId, string mode, string peer, string http, string dataDir);

    [LoggerMessage(1002, LogLevel.Information, "Node {NodeId} is ready; leader {Leader}")]
    public static partial void NodeReady(ILogger logger, ulong nodeId, ulong leader);

    [LoggerMessage(1003, LogLevel.Information, "Node {NodeId} stopping")]
    public static partial void NodeStopping(ILogger logger, ulong nodeId);

    [LoggerMessage(1004, LogLevel.Critical, "Node {NodeId} failed and stopped: {Reason}")]
    public static partial void NodeFailed(ILogger logger, ulong nodeId, string reason);

    [LoggerMessage(1005, LogLevel.Warning, "No --secret was given: generated one and kept it in {Path}; pass it as --secret to nodes that join this one")]
    public static partial void SecretGenerated(ILogger logger, string path);

    [LoggerMessage(1006, LogLevel.Warning, "Node {NodeId} could not record itself in the membership registry yet: {Reason}")]
    public static partial void RegisterRetry(ILogger logger, ulong nodeId, string reason);

    [LoggerMessage(1007, LogLevel.Information, "Standard input closed: stopping")]
    public static partial void StdinClosed(ILogger logger);

    [LoggerMessage(1008, LogLevel.Critical, "Node could not start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);

    [LoggerMessage(1009, LogLevel.Information, "Node {NodeId}: {Event}")]
    public static partial void RaftEventRaised(ILogger logger, ulong nodeId, string @event);

    [LoggerMessage(2001, LogLevel.Information, "Joining the cluster of {Target} as {Peer}")]
    public static partial void Joining(ILogger logger, string target, string peer);

    [LoggerMessage(2002, LogLevel.Information, "Joined as node {NodeId} (rejoin: {Rejoin})")]
    public static partial void Joined(ILogger logger, ulong nodeId, bool rejoin);

    [LoggerMessage(2003, LogLevel.Warning, "Join attempt failed, retrying: {Reason}")]
    public static partial void JoinRetry(ILogger logger, string reason);

    [LoggerMessage(2004, LogLevel.Information, "Admitted {Peer} as node {NodeId} (learner; promoted once caught up)")]
    public static partial void Admitted(ILogger logger, string peer, ulong nodeId);

    [LoggerMessage(2005, LogLevel.Warning, "Refused a join from {Peer}: {Reason}")]
    public static partial void JoinRefused(ILogger logger, string? peer, string reason);

    [LoggerMessage(2006, LogLevel.Information, "Promoted learner {NodeId} to voter")]
    public static partial void Promoted(ILogger logger, ulong nodeId);

    [LoggerMessage(2007, LogLevel.Warning, "Could not promote learner {NodeId}: {Reason}")]
    public static partial void PromoteFailed(ILogger logger, ulong nodeId, string reason);

    [LoggerMessage(2008, LogLevel.Information, "Node {NodeId} left the cluster and runs standalone with its data")]
    public static partial void Left(ILogger logger, ulong nodeId);

    [LoggerMessage(2009, LogLevel.Warning, "Discarding the data in {DataDir} to join another cluster (--discard-data)")]
    public static partial void DiscardingData(ILogger logger, string dataDir);

    [LoggerMessage(3001, LogLevel.Warning, "{Method} {Path} failed with {Status} {Code}: {Message}")]
    public static partial void RequestFailed(ILogger logger, string method, string path, int status, string code, string message);

    [LoggerMessage(3002, LogLevel.Warning, "The HTTP API on {Bind} is unauthenticated: {Endpoints} accept any caller that reaches it; set {Switch} to require a bearer token")]
    public static partial void Unauthenticated(ILogger logger, string bind, string endpoints, string @switch);

    [LoggerMessage(3003, LogLevel.Information, "The HTTP API serves HTTPS with the certificate {Subject} (expires {NotAfter:u})")]
    public static partial void ServingHttps(ILogger logger, string subject, DateTime notAfter);

    [LoggerMessage(4001, LogLevel.Information, "Demo: {Message}")]
    public static partial void Demo(ILogger logger, string message);
}
