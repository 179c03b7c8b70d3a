using RaftActors.Core.Quorum;

namespace RaftActors.Core;

/// <summary>
/// The leader's lease for lease-based reads (thesis §6.4.1). The lease rests on a promise each voter
/// keeps through the disruption guard: after hearing from the leader it grants no vote for an election
/// timeout of its own ticks (and, with leases on, for an election timeout after it starts, since a
/// restart forgets the leader it heard). Heartbeats carry the leader's tick count at sending and the
/// responses echo it, so the leader knows when each voter's promise began at the latest: once a quorum
/// has answered a heartbeat sent at tick <c>s</c>, no other leader can be elected before the voters
/// count an election timeout from it. The lease therefore holds while
/// <c>now - s &lt; ElectionTick - 1 - LeaseClockDriftTicks</c>: one tick less for the phase of the
/// voters' ticks (a voter's first tick may come just after it heard the leader), and the drift bound
/// for clocks that run at different speeds. A response says nothing about when it was sent, so only
/// the send time counts; appends are not stamped and do not extend the lease.
/// After a leader sends TimeoutNow the transferee may win without the voters' guard, so the lease is
/// given up for the rest of the term. Outside the lease, reads take a ReadIndex heartbeat round.
/// </summary>
internal sealed class LeaderLease(int durationTicks)
{
    private readonly Dictionary<ulong, ulong> _acked = [];
    private bool _revoked;

    /// <summary>Records that <paramref name="id"/> answered a heartbeat sent at <paramref name="sentAt"/> (0 = not stamped).</summary>
    public void RecordAck(ulong id, ulong sentAt, ulong now)
    {
        // A stamp from the future is no correct node's; ignoring it can only shorten the lease.
        if (sentAt == 0 || sentAt > now) return;
        if (!_acked.TryGetValue(id, out var previous) || sentAt > previous) _acked[id] = sentAt;
    }

    /// <summary>Gives the lease up until the leader's term ends (a new leader starts a new lease).</summary>
    public void Revoke() => _revoked = true;

    /// <summary>Whether the leader <paramref name="self"/> may serve a read without a round trip at tick <paramref name="now"/>.</summary>
    public bool Holds(ulong self, ulong now, JointConfig voters)
    {
        if (_revoked) return false;
        var since = voters.CommittedIndex(id => id == self ? now : _acked.TryGetValue(id, out var at) ? at : null);
        return since != 0 && since <= now && now - since < (ulong)durationTicks;
    }
}
