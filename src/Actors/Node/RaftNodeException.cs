using Akka.Actor;
namespace RaftActors.Actors;

/// <summary>Why a request to the node did not succeed. Each maps to one HTTP status and eosc code in the host.</summary>
public enum RaftErrorCode
{
    /// <summary>No leader is known (an election is going on); retry shortly.</summary>
    NoLeader,
    /// <summary>This node is not the leader and could not forward the request.</summary>
    NotLeader,
    /// <summary>Leadership changed while the request was pending and its entry was replaced: it was not applied.</summary>
    LeadershipLost,
    /// <summary>Too much proposed and not yet committed; back off.</summary>
    Overloaded,
    /// <summary>The request did not complete in time; it may or may not have been applied (use client sessions to retry safely).</summary>
    Timeout,
    /// <summary>The service's prepare hook refused the request.</summary>
    Rejected,
    /// <summary>The membership change does not fit the current configuration, or another one is pending.</summary>
    MembershipChangeRefused,
    /// <summary>The request names an unknown node, namespace or service.</summary>
    NotFound,
    /// <summary>The request is malformed.</summary>
    BadRequest,
    /// <summary>A client-session sequence number older than the latest one applied for that client.</summary>
    StaleSequence,
    /// <summary>The node is stopping or stopped (after a journal failure it stops for good).</summary>
    Stopped,
}

/// <summary>A request to a <see cref="RaftNode"/> failed for the reason in <see cref="Code"/>.</summary>
public sealed class RaftNodeException : Exception
{
    public RaftNodeException(RaftErrorCode code, string message) : base(message) => Code = code;

    public RaftNodeException(RaftErrorCode code, string message, Exception inner) : base(message, inner) => Code = code;

    public RaftErrorCode Code { get; }
}
