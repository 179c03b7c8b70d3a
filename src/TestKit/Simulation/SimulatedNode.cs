using RaftActors.Core;
using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.TestKit.Simulation;

/// <summary>
/// One node of a <see cref="SimulatedCluster"/>: a <see cref="RawNode"/>, its durable storage (which
/// survives a crash) and its service (which does not: it is rebuilt from the snapshot and the log).
/// </summary>
public sealed class SimulatedNode
{
    private readonly Func<ulong, IRaftStorage, ulong, RaftConfig> _configure;

    internal SimulatedNode(ulong id, MemoryStorage storage, Func<ulong, IRaftStorage, ulong, RaftConfig> configure)
    {
        Id = id;
        Storage = storage;
        _configure = configure;
        Start();
    }

    public ulong Id { get; }

    /// <summary>What this node has persisted: it is all that survives <see cref="SimulatedCluster.Crash"/>.</summary>
    public MemoryStorage Storage { get; }

    public RawNode Raft { get; private set; } = null!;

    public KeyValueStateMachine Service { get; private set; } = null!;

    public bool IsUp { get; internal set; } = true;

    /// <summary>The membership as of the last applied entry (what a snapshot taken now records).</summary>
    public ConfState AppliedConfState { get; internal set; } = ConfState.Empty;

    /// <summary>Reads confirmed by ReadIndex, in the order they were confirmed.</summary>
    public List<ReadState> ReadStates { get; } = [];

    /// <summary>Entries this incarnation applied, in order (membership changes and no-ops included).</summary>
    public List<Entry> Applied { get; } = [];

    /// <summary>Restarts from durable state: the service restores the last snapshot and re-applies committed entries.</summary>
    internal void Start()
    {
        var snapshot = Storage.Snapshot();
        Service = new KeyValueStateMachine();
        Service.Restore(snapshot.Metadata.Index, snapshot.Data);
        AppliedConfState = snapshot.Metadata.ConfState;
        Applied.Clear();
        ReadStates.Clear();
        Raft = new RawNode(_configure(Id, Storage, snapshot.Metadata.Index));
    }

    /// <summary>The node's whole log (persisted; between cycles nothing is unpersisted in a simulation).</summary>
    public IReadOnlyList<Entry> LogEntries()
    {
        var first = Storage.FirstIndex();
        var last = Storage.LastIndex();
        return last < first ? [] : Storage.Entries(first, last + 1, ulong.MaxValue);
    }

    public override string ToString() => $"node {Id} ({(IsUp ? Raft.Role.ToString() : "down")})";
}
