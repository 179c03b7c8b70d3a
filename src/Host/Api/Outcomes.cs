using RaftActors.Actors;

namespace RaftActors.Host.Api;

/// <summary>
/// Whether a failed request may still take effect, as the host sees <see cref="RaftNode"/>'s errors. A client
/// may send a request again after <see cref="NotApplied"/>; after <see cref="Unknown"/> it must read first, or
/// retry under the same client session (<c>Raft-Client-Id</c>, <c>Raft-Sequence</c>), which is applied once.
/// </summary>
internal static class Outcomes
{
    /// <summary>Definite: nothing was applied and nothing will be, the request was refused before it could be.</summary>
    public const string NotApplied = "not-applied";

    /// <summary>Indefinite: the command may have been proposed, and may commit and apply after this answer.</summary>
    public const string Unknown = "unknown";

    /// <summary>
    /// Every code RaftNode can fail a proposal or a membership change with. Refusals before proposing and entries
    /// known to be replaced in the log are definite; anything that gave up waiting, or stopped while waiting, is not.
    /// </summary>
    public static string Of(RaftErrorCode code) => code switch
    {
        // Refused before a command reached the log: no leader, or this node (or the one it asked) does not lead.
        RaftErrorCode.NoLeader or RaftErrorCode.NotLeader => NotApplied,
        // The index the proposal took holds another entry now: that entry is the log's, ours is gone for good.
        RaftErrorCode.LeadershipLost => NotApplied,
        // The leader's uncommitted-size limit, the prepare hook, the membership rules and the request checks
        // (size, namespace, session numbers) all refuse before proposing.
        RaftErrorCode.Overloaded or RaftErrorCode.Rejected or RaftErrorCode.MembershipChangeRefused
            or RaftErrorCode.NotFound or RaftErrorCode.BadRequest => NotApplied,
        // The deadline ran out: the entry may be in the log (or the leader may be out of reach) and commit later.
        RaftErrorCode.Timeout => Unknown,
        // Stopping fails every waiter, including one whose entry a graceful hand-over lets the next leader commit.
        RaftErrorCode.Stopped => Unknown,
        // This attempt is skipped, but an earlier one under the same sequence number may have been applied.
        RaftErrorCode.StaleSequence => Unknown,
        _ => Unknown,
    };
}
