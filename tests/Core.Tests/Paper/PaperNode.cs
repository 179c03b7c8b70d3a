using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.Core.Tests.Paper;

/// <summary>
/// One <see cref="RawNode"/> on a <see cref="MemoryStorage"/>, driven by hand the way etcd's
/// raft_paper_test.go drives a raft: build a message, <see cref="Step"/> it, then <see cref="Drain"/>
/// the Readys (persisting them as the Ready contract demands) and look at what came out.
/// Unless a test says otherwise the node runs the paper's basic algorithm: pre-vote and check-quorum
/// are off, because they are extensions (thesis §9.6, §6.2) that change the rules under test.
/// </summary>
internal sealed class PaperNode
{
    public const int ElectionTick = 10;
    public const int HeartbeatTick = 1;

    private PaperNode(MemoryStorage storage, RaftConfig config)
    {
        Storage = storage;
        Config = config;
        Raw = new RawNode(config);
    }

    public MemoryStorage Storage { get; }

    public RaftConfig Config { get; }

    public RawNode Raw { get; private set; }

    public ulong Id => Raw.Id;

    public ulong Term => Raw.Term;

    public StateRole Role => Raw.Role;

    public ulong Vote => Raw.Status().HardState.Vote;

    public ulong Commit => Raw.CommitIndex;

    /// <summary>Entries applied so far (handed out as CommittedEntries), in order.</summary>
    public List<Entry> Applied { get; } = [];

    /// <summary>
    /// A node <paramref name="id"/> among <paramref name="voters"/> whose storage already holds entries of
    /// the given <paramref name="logTerms"/> (entry i+1 has term logTerms[i]) and the hard state
    /// (<paramref name="term"/>, <paramref name="vote"/>, <paramref name="commit"/>).
    /// </summary>
    public static PaperNode Create(
        ulong id,
        ulong[] voters,
        ulong[]? logTerms = null,
        ulong term = 0,
        ulong vote = 0,
        ulong commit = 0,
        Func<RaftConfig, RaftConfig>? configure = null)
    {
        var storage = MemoryStorage.WithVoters(voters);
        logTerms ??= [];
        storage.Append(logTerms.Select((t, i) => new Entry(t, (ulong)i + 1)).ToArray());
        var hsTerm = Math.Max(term, logTerms.Length == 0 ? 0 : logTerms.Max());
        if (hsTerm != 0 || vote != 0 || commit != 0) storage.SetHardState(new HardState(hsTerm, vote, commit));
        var config = new RaftConfig
        {
            Id = id,
            Storage = storage,
            ElectionTick = ElectionTick,
            HeartbeatTick = HeartbeatTick,
            PreVote = false,
            CheckQuorum = false,
            CheckInvariants = true,
            RandomSeed = 0x5EED + id,
        };
        config = configure?.Invoke(config) ?? config;
        return new PaperNode(storage, config);
    }

    /// <summary>Restarts from what was persisted (the unstable tail and every volatile field are lost).</summary>
    public void Restart() => Raw = new RawNode(CopyConfig(Config, Storage));

    private static RaftConfig CopyConfig(RaftConfig c, MemoryStorage storage) => new()
    {
        Id = c.Id, Storage = storage, ElectionTick = c.ElectionTick, HeartbeatTick = c.HeartbeatTick, PreVote = c.PreVote,
        CheckQuorum = c.CheckQuorum, CheckInvariants = c.CheckInvariants, RandomSeed = c.RandomSeed,
    };

    public void Step(RaftMessage m) => Raw.Step(m);

    /// <summary>Steps <paramref name="m"/> and returns every message it produced (both Ready lists).</summary>
    public List<RaftMessage> StepAndDrain(RaftMessage m)
    {
        Raw.Step(m);
        return Drain().AllMessages;
    }

    public void Tick(int ticks = 1)
    {
        for (var i = 0; i < ticks; i++) Raw.Tick();
    }

    /// <summary>Campaigns, and answers with votes from <paramref name="grantedBy"/> to become leader.</summary>
    public void BecomeLeader(params ulong[] grantedBy)
    {
        Raw.Campaign();
        Drain();
        foreach (var voter in grantedBy)
        {
            Raw.Step(new RaftMessage { Type = MessageType.VoteResponse, From = voter, To = Id, Term = Term });
        }
        Drain();
        if (Role != StateRole.Leader) throw new InvalidOperationException($"node {Id} did not become leader: {Role} at term {Term}");
    }

    /// <summary>Takes and persists every Ready until there is none; returns their union.</summary>
    public Drained Drain()
    {
        var drained = new Drained();
        while (Raw.HasReady())
        {
            var rd = Raw.GetReady();
            drained.Readies.Add(rd);
            if (rd.Snapshot is { } snapshot) Storage.ApplySnapshot(snapshot);
            Storage.Append(rd.Entries);
            if (rd.HardState is { } hs) Storage.SetHardState(hs);
            foreach (var e in rd.CommittedEntries)
            {
                Applied.Add(e);
                if (e.Type == EntryType.ConfChange) Raw.ApplyConfChange(RaftCodec.DecodeConfChange(e.Data));
            }
            Raw.Advance(rd);
        }
        return drained;
    }

    /// <summary>The whole persisted log (after a <see cref="Drain"/> nothing is left unpersisted).</summary>
    public IReadOnlyList<Entry> Log()
    {
        var first = Storage.FirstIndex();
        var last = Storage.LastIndex();
        return last < first ? [] : Storage.Entries(first, last + 1, ulong.MaxValue);
    }

    public ulong[] LogTerms() => Log().Select(e => e.Term).ToArray();
}

/// <summary>What a run of Readys carried.</summary>
internal sealed class Drained
{
    public List<Ready> Readies { get; } = [];

    public List<RaftMessage> Messages => Readies.SelectMany(r => r.Messages).ToList();

    public List<RaftMessage> PersistedMessages => Readies.SelectMany(r => r.PersistedMessages).ToList();

    public List<RaftMessage> AllMessages => Readies.SelectMany(r => r.Messages.Concat(r.PersistedMessages)).ToList();

    public List<Entry> Entries => Readies.SelectMany(r => r.Entries).ToList();

    public List<Entry> CommittedEntries => Readies.SelectMany(r => r.CommittedEntries).ToList();

    public HardState? LastHardState => Readies.LastOrDefault(r => r.HardState is not null)?.HardState;
}

/// <summary>Shorthands for the messages the tests build.</summary>
internal static class Msg
{
    public static RaftMessage Append(ulong from, ulong to, ulong term, ulong prevIndex, ulong prevTerm, ulong commit, params ulong[] entryTerms) => new()
    {
        Type = MessageType.Append, From = from, To = to, Term = term, Index = prevIndex, LogTerm = prevTerm, Commit = commit,
        Entries = entryTerms.Select((t, i) => new Entry(t, prevIndex + 1 + (ulong)i)).ToArray(),
    };

    public static RaftMessage Vote(ulong from, ulong to, ulong term, ulong lastIndex, ulong lastTerm) => new()
    {
        Type = MessageType.Vote, From = from, To = to, Term = term, Index = lastIndex, LogTerm = lastTerm,
    };

    public static RaftMessage VoteResponse(ulong from, ulong to, ulong term, bool reject = false) => new()
    {
        Type = MessageType.VoteResponse, From = from, To = to, Term = term, Reject = reject,
    };

    public static RaftMessage AppendResponse(ulong from, ulong to, ulong term, ulong index) => new()
    {
        Type = MessageType.AppendResponse, From = from, To = to, Term = term, Index = index,
    };

    public static RaftMessage Heartbeat(ulong from, ulong to, ulong term, ulong commit) => new()
    {
        Type = MessageType.Heartbeat, From = from, To = to, Term = term, Commit = commit,
    };
}
