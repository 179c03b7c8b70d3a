using Akka.Actor;
using RaftActors.Core;
using RaftActors.Messages;
using RaftActors.Actors.Runtime.Journal;

namespace RaftActors.Actors.Runtime;

internal sealed partial class RaftActor
{
    // Every node this node knows an address for: founding peers, members added through the log.
    private readonly SortedDictionary<ulong, string> _addresses = [];
    private readonly Dictionary<ulong, bool> _reachable = [];
    private readonly Dictionary<ulong, TaskCompletionSource<ConfState>> _membershipWaiters = [];
    private readonly Dictionary<ulong, ulong> _membershipAt = [];
    private readonly Dictionary<ulong, (string Address, long Until)> _departing = [];

    /// <summary>The address book once recovered: the journal's, completed by the configured founding peers.</summary>
    private void LoadMembers()
    {
        foreach (var (id, address) in _settings.Options.Peers) _addresses.TryAdd(id, address);
        SyncPeers();
    }

    /// <summary>Recovery: the address book as a persisted event or the actor's snapshot recorded it.</summary>
    private void ReplaceAddresses(IReadOnlyDictionary<ulong, string> addresses)
    {
        _addresses.Clear();
        foreach (var (id, address) in addresses) _addresses[id] = address;
    }

    /// <summary>
    /// An installed snapshot's address book (<see cref="MemberAddresses.Adopt"/>), now durable: it replaces the book, so
    /// a node caught up by a snapshot reaches the members whose membership entries it never saw.
    /// </summary>
    private void AdoptAddresses(IReadOnlyDictionary<ulong, string> addresses)
    {
        ReplaceAddresses(addresses);
        foreach (var id in addresses.Keys) _departing.Remove(id);
        SyncPeers();
    }

    private Dictionary<ulong, string> PeerAddresses()
    {
        var peers = _addresses.Where(p => p.Key != _id).ToDictionary(p => p.Key, p => _discovered.GetValueOrDefault(p.Key, p.Value));
        foreach (var (id, (address, _)) in _departing) peers.TryAdd(id, address);
        return peers;
    }

    /// <summary>
    /// A removed member stays reachable for two election timeouts: the answer to its own forwarded
    /// removal request, and the commit that tells it it was removed, still have to reach it.
    /// </summary>
    private void ExpireDepartedPeers()
    {
        if (_departing.Count == 0) return;
        var expired = _departing.Where(d => d.Value.Until <= _ticks).Select(d => d.Key).ToArray();
        if (expired.Length == 0) return;
        foreach (var id in expired) _departing.Remove(id);
        SyncPeers();
    }

    /// <summary>The address book is durable state: a restarted node must reach the members it knew.</summary>
    private void SaveMembers()
    {
        PersistAsync(new AddressesChanged(new Dictionary<ulong, string>(_addresses)), static _ => { });
        SyncPeers();
    }

    private void OnMembershipChange(ProposeMembershipChange request)
    {
        if (_node.Role != StateRole.Leader)
        {
            request.Completion.TrySetException(NotLeader());
            return;
        }
        // Proposals that arrived before the change keep their place before it in the log.
        ProposeQueued();
        var result = _node.ProposeConfChange(request.Change);
        if (result != ProposeResult.Accepted)
        {
            request.Completion.TrySetException(Refused(result));
            return;
        }
        _membershipWaiters[request.RequestId] = request.Completion;
        _membershipAt[_node.LastIndex] = request.RequestId;
    }

    /// <summary>Applies a committed membership entry to the core and to the address book.</summary>
    private ConfState ApplyMembership(Entry entry)
    {
        var change = RaftCodec.DecodeConfChange(entry.Data);
        var context = MembershipContext.Decode(change.Context);
        var before = _node.ConfState;
        ConfState after;
        try
        {
            after = _node.ApplyConfChange(change);
        }
        catch (Core.Membership.MembershipChangeException ex)
        {
            // The core accepted it into the log, so every node refuses it alike: it stays a no-op.
            FailMembershipWaiter(entry.Index, context, ex.Message);
            return before;
        }
        var changed = false;
        foreach (var single in change.Changes)
        {
            switch (single.Type)
            {
                case ConfChangeType.AddVoter or ConfChangeType.AddLearner:
                    // A promotion carries no address: the member keeps the one it was added with.
                    if (context.Address.Length > 0)
                    {
                        changed |= !_addresses.TryGetValue(single.NodeId, out var old) || old != context.Address;
                        _addresses[single.NodeId] = context.Address;
                        _departing.Remove(single.NodeId);
                    }
                    _state.Raise(new MemberAdded(_id, single.NodeId, _addresses.GetValueOrDefault(single.NodeId, ""),
                        single.Type == ConfChangeType.AddVoter));
                    break;
                case ConfChangeType.RemoveNode:
                    if (_addresses.Remove(single.NodeId, out var departed))
                    {
                        changed = true;
                        if (single.NodeId != _id) _departing[single.NodeId] = (departed, _ticks + 2L * _settings.Options.ElectionTicks);
                    }
                    _state.Raise(new MemberRemoved(_id, single.NodeId));
                    break;
            }
        }
        if (changed) SaveMembers();
        OnMembershipApplied(after);
        if (_membershipAt.Remove(entry.Index, out var requestId) && requestId == context.RequestId
            && _membershipWaiters.Remove(requestId, out var waiter))
        {
            waiter.TrySetResult(after);
        }
        else if (requestId != 0 && requestId != context.RequestId)
        {
            FailReplacedMembership(requestId);
        }
        return after;
    }

    private void FailMembershipWaiter(ulong index, MembershipContext context, string why)
    {
        _membershipAt.Remove(index);
        if (_membershipWaiters.Remove(context.RequestId, out var waiter))
        {
            waiter.TrySetException(new RaftNodeException(RaftErrorCode.MembershipChangeRefused, why));
        }
    }

    private void FailReplacedMembership(ulong requestId)
    {
        if (_membershipWaiters.Remove(requestId, out var waiter))
        {
            waiter.TrySetException(new RaftNodeException(RaftErrorCode.LeadershipLost, "leadership changed before the membership change committed"));
        }
    }

    /// <summary>After any change of membership: log it, and campaign at once if this node is the only voter.</summary>
    private void OnMembershipApplied(ConfState config)
    {
        RaftActorLog.MembershipChanged(_log, _id, config);
        if (config.Voters.Count == 1 && config.Voters[0] == _id && !config.IsJoint && _node.Role != StateRole.Leader)
        {
            Self.Tell(CampaignNow.Instance);
        }
    }

    /// <summary>
    /// A member removed while this node was behind is gone from an installed snapshot's membership without a removal
    /// entry applied here, so no <see cref="MemberRemoved"/> made the node forget its data identity: it is forgotten now,
    /// or the member, added again with an empty folder as it should be, would be refused as one that lost its data.
    /// </summary>
    private void ForgetIdentitiesOfNonMembers(ConfState config)
    {
        var members = config.Voters.Concat(config.Learners).Concat(config.VotersOutgoing).Concat(config.LearnersNext).ToHashSet();
        _settings.Node.PeerIdentities.ForgetAllExcept(members);
    }

    private NodeStatus BuildStatus()
    {
        var status = _node.Status();
        var config = status.Config;
        var members = config.Voters.Concat(config.Learners).Concat(config.VotersOutgoing).Distinct().Order()
            .Select(id => new MemberStatus(
                id,
                _addresses.GetValueOrDefault(id, id == _id ? _settings.Options.AdvertisedAddress ?? _settings.Options.ListenAddress : ""),
                config.Voters.Contains(id) || config.VotersOutgoing.Contains(id),
                status.Progress.TryGetValue(id, out var pr) ? pr.Match : null,
                id == _id ? true : _reachable.TryGetValue(id, out var r) ? r : null))
            .ToArray();
        return new NodeStatus
        {
            NodeId = _id, Role = status.SoftState.Role, Term = status.HardState.Term, Leader = status.SoftState.Leader,
            CommitIndex = status.HardState.Commit, AppliedIndex = status.Applied, LastIndex = status.LastIndex, Members = members,
        };
    }
}
