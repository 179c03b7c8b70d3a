using RaftActors.Core;
using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.Core.Bench;

/// <summary>
/// Three <see cref="RawNode"/>s wired in process: messages go straight from one node's Ready into
/// another's <see cref="RawNode.Step"/>, storage is <see cref="MemoryStorage"/>, nothing is encoded,
/// nothing waits. What is measured is the core plus the minimum a runtime must do per Ready.
/// </summary>
internal sealed class InProcessCluster
{
    /// <summary>Entries kept behind the applied index when the logs are compacted, so memory stays flat.</summary>
    private const ulong CompactEvery = 8192;

    private readonly RawNode[] _nodes;
    private readonly MemoryStorage[] _storages;
    private readonly ulong[] _applied;
    private readonly Queue<RaftMessage> _inbox = new();
    private ulong _compacted;

    public InProcessCluster()
    {
        _storages = [MemoryStorage.WithVoters(1, 2, 3), MemoryStorage.WithVoters(1, 2, 3), MemoryStorage.WithVoters(1, 2, 3)];
        _nodes = new RawNode[3];
        for (var i = 0; i < 3; i++)
        {
            _nodes[i] = new RawNode(new RaftConfig { Id = (ulong)i + 1, Storage = _storages[i], RandomSeed = (ulong)i + 11 });
        }
        _applied = new ulong[3];
        _nodes[0].Campaign();
        RunUntilQuiet();
        if (_nodes[0].Role != StateRole.Leader) throw new InvalidOperationException("node 1 did not become leader");
    }

    public RawNode Leader => _nodes[0];

    /// <summary>Normal entries the leader has applied (each a committed proposal).</summary>
    public long CommittedProposals { get; private set; }

    /// <summary>Hands every Ready to its "runtime" and delivers every message, until nothing moves.</summary>
    public void RunUntilQuiet()
    {
        bool moved;
        do
        {
            moved = false;
            for (var i = 0; i < _nodes.Length; i++)
            {
                while (_nodes[i].HasReady())
                {
                    HandleReady(i);
                    moved = true;
                }
            }
            while (_inbox.TryDequeue(out var m))
            {
                _nodes[m.To - 1].Step(m);
                moved = true;
            }
        }
        while (moved);
        MaybeCompact();
    }

    private void HandleReady(int i)
    {
        var node = _nodes[i];
        var storage = _storages[i];
        var rd = node.GetReady();
        foreach (var m in rd.Messages) _inbox.Enqueue(m);
        if (rd.Snapshot is { } snapshot) storage.ApplySnapshot(snapshot);
        storage.Append(rd.Entries);
        if (rd.HardState is { } hs) storage.SetHardState(hs);
        foreach (var m in rd.PersistedMessages) _inbox.Enqueue(m);
        foreach (var e in rd.CommittedEntries)
        {
            if (i == 0 && e.Type == EntryType.Normal && e.Data.Length > 0) CommittedProposals++;
            _applied[i] = e.Index;
        }
        node.Advance(rd);
    }

    private void MaybeCompact()
    {
        var applied = Math.Min(_applied[0], Math.Min(_applied[1], _applied[2]));
        if (applied < _compacted + 2 * CompactEvery) return;
        _compacted = applied - CompactEvery;
        foreach (var s in _storages) s.Compact(_compacted);
    }
}
