using System.Text.Json;
using RaftActors.Actors;
using RaftActors.Host.Api;

namespace RaftActors.Host.Services;

/// <summary>
/// The host's own replicated registry (namespace "raft.members"): the next node id and, per id, the peer
/// address and HTTP URL. Ids are allocated by applying a log entry, so concurrent joins on different nodes
/// get different ids, and a removed id stays recorded so it is never handed out again (eosc's
/// "highest known + 1" collided and reused ids).
/// </summary>
internal sealed class MembershipService : IService
{
    public const string Name = "raft.members";

    // Touched only by the ServiceActor, one call at a time.
    private ulong _nextId = 1;
    private SortedDictionary<ulong, MemberRecord> _members = [];

    /// <summary>The highest id in the node's current configuration; read by the leader's prepare hook.</summary>
    public Func<CancellationToken, Task<ulong>>? HighestMemberId { get; set; }

    public string Namespace => Name;

    public async ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var command = Parse(request.Span) ?? throw new ServiceRejectedException("the membership command is not valid JSON");
        if (command.Op == "init") return request.ToArray();
        if (command.Op is not ("register" or "allocate" or "reserve" or "remove"))
        {
            throw new ServiceRejectedException($"unknown membership operation '{command.Op}'");
        }
        if (command.Op == "allocate" && HighestMemberId is { } highest)
        {
            command = command with { Floor = await highest(cancellationToken).ConfigureAwait(false) + 1 };
        }
        return JsonSerializer.SerializeToUtf8Bytes(command, HostJson.Default.MembersCommand);
    }

    public byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command)
    {
        var parsed = Parse(command);
        var result = parsed?.Op switch
        {
            "register" => Register(parsed),
            "allocate" => Allocate(parsed),
            "reserve" => Reserve(parsed),
            "remove" => Remove(parsed),
            "init" => Init(command),
            _ => new MembersResult(false, 0, false, "unknown membership command"),
        };
        return JsonSerializer.SerializeToUtf8Bytes(result, HostJson.Default.MembersResult);
    }

    /// <summary>A founding or restarting node records itself (idempotent; updates its HTTP URL).</summary>
    private MembersResult Register(MembersCommand command)
    {
        if (command.Id == 0 || command.Peer is null) return new MembersResult(false, 0, false, "register needs id and peer");
        if (_members.TryGetValue(command.Id, out var known) && known.Removed)
        {
            return new MembersResult(false, command.Id, true, $"node {command.Id} was removed; its id is not reused");
        }
        _members[command.Id] = new MemberRecord(command.Id, command.Peer, command.Http ?? known?.Http, false);
        _nextId = Math.Max(_nextId, command.Id + 1);
        return new MembersResult(true, command.Id, known is not null, null);
    }

    /// <summary>A joiner is given the id of the live member at its address (a restart), or a fresh one.</summary>
    private MembersResult Allocate(MembersCommand command)
    {
        if (command.Peer is null) return new MembersResult(false, 0, false, "allocate needs peer");
        var existing = _members.Values.FirstOrDefault(m => !m.Removed && string.Equals(m.Peer, command.Peer, StringComparison.OrdinalIgnoreCase));
        if (existing is not null)
        {
            _members[existing.Id] = existing with { Http = command.Http ?? existing.Http };
            return new MembersResult(true, existing.Id, true, null);
        }
        var id = Math.Max(_nextId, command.Floor);
        _members[id] = new MemberRecord(id, command.Peer, command.Http, false);
        _nextId = id + 1;
        return new MembersResult(true, id, false, null);
    }

    /// <summary>addNode with an id chosen by the operator: refused when the id was ever used by another address.</summary>
    private MembersResult Reserve(MembersCommand command)
    {
        if (command.Id == 0 || command.Peer is null) return new MembersResult(false, 0, false, "reserve needs id and peer");
        if (ReserveRefusal(_members.Values, command.Id, command.Peer) is { } refusal) return refusal;
        if (_members.ContainsKey(command.Id)) return new MembersResult(true, command.Id, true, null);
        _members[command.Id] = new MemberRecord(command.Id, command.Peer, command.Http, false);
        _nextId = Math.Max(_nextId, command.Id + 1);
        return new MembersResult(true, command.Id, false, null);
    }

    /// <summary>
    /// Why the registry <paramref name="members"/> refuses to reserve <paramref name="id"/> for <paramref name="peer"/>, or
    /// null when it accepts: an id is never reused, nor given to a second address, and an address has one id. addNode
    /// asks this of a linearizable read before proposing, so a refused request leaves nothing in the log; the apply asks
    /// it again, for a request that raced another.
    /// </summary>
    internal static MembersResult? ReserveRefusal(IEnumerable<MemberRecord> members, ulong id, string peer)
    {
        MemberRecord? known = null;
        MemberRecord? other = null;
        foreach (var m in members)
        {
            if (m.Id == id) known = m;
            else if (!m.Removed && string.Equals(m.Peer, peer, StringComparison.OrdinalIgnoreCase)) other ??= m;
        }
        if (known is not null)
        {
            if (known.Removed) return new MembersResult(false, id, true, $"node id {id} was used before and removed; ids are never reused");
            if (!string.Equals(known.Peer, peer, StringComparison.OrdinalIgnoreCase)) return new MembersResult(false, id, true, $"node id {id} belongs to {known.Peer}");
            return null;
        }
        return other is null ? null : new MembersResult(false, other.Id, true, $"address {peer} belongs to node {other.Id}");
    }

    private MembersResult Remove(MembersCommand command)
    {
        if (!_members.TryGetValue(command.Id, out var known)) return new MembersResult(false, command.Id, false, $"node {command.Id} is not known");
        _members[command.Id] = known with { Removed = true };
        _nextId = Math.Max(_nextId, command.Id + 1);
        return new MembersResult(true, command.Id, true, null);
    }

    private MembersResult Init(ReadOnlySpan<byte> command)
    {
        var state = JsonSerializer.Deserialize(command, HostJson.Default.MembersInit);
        if (state?.State is null) return new MembersResult(false, 0, false, "init needs state");
        Load(state.State);
        return new MembersResult(true, 0, false, null);
    }

    /// <summary>The registry as JSON (<see cref="MembersState"/>), for the host's peer list and join checks.</summary>
    public byte[] Query(ReadOnlySpan<byte> query) => JsonSerializer.SerializeToUtf8Bytes(State(), HostJson.Default.MembersState);

    public byte[] GetInit() => JsonSerializer.SerializeToUtf8Bytes(new MembersInit("init", State()), HostJson.Default.MembersInit);

    public async ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken)
    {
        await JsonSerializer.SerializeAsync(destination, State(), HostJson.Default.MembersState, cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask RestoreSnapshotAsync(Stream source, CancellationToken cancellationToken)
    {
        var state = await JsonSerializer.DeserializeAsync(source, HostJson.Default.MembersState, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException("the membership snapshot is empty JSON");
        Load(state);
    }

    private MembersState State() => new(_nextId, [.. _members.Values]);

    private void Load(MembersState state)
    {
        _members = new SortedDictionary<ulong, MemberRecord>(state.Members.ToDictionary(m => m.Id));
        _nextId = state.NextId;
    }

    private static MembersCommand? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, HostJson.Default.MembersCommand);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The registry's GetInit command: the whole state.</summary>
internal sealed record MembersInit(
    [property: System.Text.Json.Serialization.JsonPropertyName("op")] string Op,
    [property: System.Text.Json.Serialization.JsonPropertyName("state")] MembersState? State);
