using System.Text;
using RaftActors.Core;
using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.TestKit.Simulation;

/// <summary>
/// A deterministic cluster of Raft cores on a simulated clock and network. Everything random (election
/// jitter, drops, delays) derives from <see cref="Seed"/>, so a failing run is reproduced by its seed.
/// Time moves only through <see cref="Tick"/>; <see cref="Stabilize"/> delivers messages without moving it.
/// Every node persists synchronously, so a <see cref="Crash"/> between calls loses exactly what a real
/// node would lose: nothing that was persisted, everything that was in memory.
/// </summary>
public sealed partial class SimulatedCluster
{
    private readonly SortedDictionary<ulong, SimulatedNode> _nodes = [];
    private readonly Random _random;

    public SimulatedCluster(int seed, SimulatedClusterOptions? options = null)
    {
        Seed = seed;
        Options = options ?? new SimulatedClusterOptions();
        _random = new Random(seed);
        Network = new SimulatedNetwork(_random);
        Safety = new SafetyChecker();
        Network.OnDropped = m =>
        {
            if (m.Type == MessageType.Snapshot && _nodes.TryGetValue(m.From, out var sender) && sender.IsUp)
            {
                sender.Raft.ReportSnapshot(m.To, failed: true);
            }
        };
    }

    public int Seed { get; }

    public SimulatedClusterOptions Options { get; }

    public SimulatedNetwork Network { get; }

    public SafetyChecker Safety { get; }

    /// <summary>Virtual time in ticks.</summary>
    public long Now { get; private set; }

    /// <summary>Messages put on the network, by type (for bounds on message counts).</summary>
    public Dictionary<MessageType, long> MessagesSent { get; } = [];

    /// <summary>When set, sees every message a node puts on the network (before drops), for counting and scripts.</summary>
    public Action<RaftMessage>? OnMessageSent { get; set; }

    /// <summary>When set, receives one line per notable event (role changes, deliveries are not traced).</summary>
    public Action<string>? Trace { get; set; }

    public IReadOnlyDictionary<ulong, SimulatedNode> Nodes => _nodes;

    public SimulatedNode this[ulong id] => _nodes[id];

    /// <summary>Adds <paramref name="count"/> voters with ids 1..count, all starting from the same membership.</summary>
    public void AddNodes(int count)
    {
        var ids = Enumerable.Range(1, count).Select(i => (ulong)i).ToArray();
        if (!Options.BootstrapInLog)
        {
            foreach (var id in ids) AddNode(id, new ConfState(ids));
            return;
        }
        foreach (var id in ids)
        {
            if (_nodes.ContainsKey(id)) throw new ArgumentException($"node {id} exists already", nameof(count));
            var storage = new MemoryStorage();
            storage.Append(ids.Select((voter, i) => new Entry(1, (ulong)i + 1, EntryType.ConfChange, RaftCodec.Encode(ConfChange.AddVoter(voter)))).ToArray());
            storage.SetHardState(new HardState(1, 0, (ulong)ids.Length));
            _nodes[id] = new SimulatedNode(id, storage, Configure);
        }
    }

    /// <summary>
    /// Adds a node. With <paramref name="initial"/> it starts as a member of that configuration; without,
    /// it starts empty and waits to be added through a membership change and caught up by the leader.
    /// </summary>
    public SimulatedNode AddNode(ulong id, ConfState? initial = null)
    {
        if (_nodes.ContainsKey(id)) throw new ArgumentException($"node {id} exists already", nameof(id));
        var storage = initial is null ? new MemoryStorage() : MemoryStorage.WithMembers(initial);
        var node = new SimulatedNode(id, storage, Configure);
        _nodes[id] = node;
        return node;
    }

    private RaftConfig Configure(ulong id, IRaftStorage storage, ulong applied) => new()
    {
        Id = id, Storage = storage, Applied = applied, ElectionTick = Options.ElectionTick, HeartbeatTick = Options.HeartbeatTick,
        PreVote = Options.PreVote, CheckQuorum = Options.CheckQuorum, ReadOnlyOption = Options.ReadOnlyOption,
        MaxSizePerMsg = Options.MaxSizePerMsg, MaxInflightMsgs = Options.MaxInflightMsgs,
        MaxUncommittedEntriesSize = Options.MaxUncommittedEntriesSize, DisableProposalForwarding = Options.DisableProposalForwarding,
        CheckInvariants = Options.CheckInvariants, Logger = Options.Logger,
        RandomSeed = (ulong)_random.NextInt64(1, long.MaxValue),
    };

    public void Campaign(ulong id)
    {
        Up(id).Raft.Campaign();
        Stabilize();
    }

    public ProposeResult Propose(ulong id, string command) => Propose(id, Encoding.UTF8.GetBytes(command));

    public ProposeResult Propose(ulong id, byte[] command)
    {
        var result = Up(id).Raft.Propose(command);
        ProcessReadies();
        return result;
    }

    public ProposeResult ProposeConfChange(ulong id, ConfChange change)
    {
        var result = Up(id).Raft.ProposeConfChange(change);
        ProcessReadies();
        return result;
    }

    public ProposeResult TransferLeader(ulong id, ulong transferee)
    {
        var result = Up(id).Raft.TransferLeader(transferee);
        ProcessReadies();
        return result;
    }

    public ProposeResult ReadIndex(ulong id, string context)
    {
        var result = Up(id).Raft.ReadIndex(Encoding.UTF8.GetBytes(context));
        ProcessReadies();
        return result;
    }

    /// <summary>Advances time: every live node ticks, then messages due by the new time are delivered until quiet.</summary>
    public void Tick(int ticks = 1)
    {
        for (var i = 0; i < ticks; i++)
        {
            Now++;
            foreach (var node in _nodes.Values)
            {
                if (node.IsUp) node.Raft.Tick();
            }
            RunUntilQuiet(Now);
        }
    }

    /// <summary>Delivers every queued message (ignoring delays) and processes every Ready until nothing moves.</summary>
    public void Stabilize() => RunUntilQuiet(null);

    /// <summary>Ticks until <paramref name="condition"/> holds; false if it did not within <paramref name="maxTicks"/>.</summary>
    public bool RunUntil(Func<bool> condition, int maxTicks)
    {
        for (var i = 0; i < maxTicks; i++)
        {
            if (condition()) return true;
            Tick();
        }
        return condition();
    }

    /// <summary>The leader of the highest term among live nodes, if any.</summary>
    public ulong? Leader()
    {
        SimulatedNode? best = null;
        foreach (var node in _nodes.Values)
        {
            if (node.IsUp && node.Raft.Role == StateRole.Leader && (best is null || node.Raft.Term > best.Raft.Term)) best = node;
        }
        return best?.Id;
    }

    /// <summary>Cuts <paramref name="id"/> off from every other node, both ways.</summary>
    public void Isolate(ulong id)
    {
        foreach (var other in _nodes.Keys)
        {
            if (other != id) Network.Cut(id, other);
        }
    }

    /// <summary>Splits the cluster: nodes in different groups cannot talk; nodes in no group can talk to all.</summary>
    public void Partition(params ulong[][] groups)
    {
        for (var g = 0; g < groups.Length; g++)
        {
            for (var h = g + 1; h < groups.Length; h++)
            {
                foreach (var a in groups[g])
                {
                    foreach (var b in groups[h]) Network.Cut(a, b);
                }
            }
        }
    }

    public void Heal() => Network.Heal();

    /// <summary>Stops a node abruptly: its memory (service, unstable state, in-flight messages to it) is lost.</summary>
    public void Crash(ulong id)
    {
        var node = Up(id);
        node.IsUp = false;
        Network.DropAllTo(id);
        Trace?.Invoke($"node {id} crashed");
    }

    /// <summary>Restarts a crashed node from what it persisted.</summary>
    public void Restart(ulong id)
    {
        var node = _nodes[id];
        if (node.IsUp) throw new InvalidOperationException($"node {id} is running");
        node.Start();
        node.IsUp = true;
        Safety.OnRestart(node);
        Trace?.Invoke($"node {id} restarted at term {node.Raft.Term}, commit {node.Raft.CommitIndex}");
    }

    private SimulatedNode Up(ulong id)
    {
        var node = _nodes.TryGetValue(id, out var n) ? n : throw new ArgumentException($"no node {id}", nameof(id));
        return node.IsUp ? node : throw new InvalidOperationException($"node {id} is down");
    }

    private void RunUntilQuiet(long? now)
    {
        for (var round = 0; round < 100_000; round++)
        {
            var moved = ProcessReadies();
            var due = Network.TakeDue(now, id => _nodes.TryGetValue(id, out var n) && n.IsUp);
            foreach (var message in due) Deliver(message);
            if (!moved && due.Count == 0) return;
        }
        throw new InvalidOperationException($"seed {Seed}: the cluster did not settle within 100000 rounds");
    }

    private void Deliver(RaftMessage message)
    {
        var target = _nodes[message.To];
        target.Raft.Step(message);
        if (message.Type == MessageType.Snapshot && _nodes.TryGetValue(message.From, out var sender) && sender.IsUp)
        {
            // What a transport does once the snapshot is fully sent.
            sender.Raft.ReportSnapshot(message.To, failed: false);
        }
    }

    private bool ProcessReadies()
    {
        var moved = false;
        foreach (var node in _nodes.Values)
        {
            while (node.IsUp && node.Raft.HasReady())
            {
                HandleReady(node);
                moved = true;
            }
        }
        return moved;
    }
}
