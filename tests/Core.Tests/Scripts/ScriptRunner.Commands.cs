using System.Text;
using RaftActors.Core;
using RaftActors.Messages;
using RaftActors.TestKit.Simulation;

namespace RaftActors.Core.Tests.Scripts;

/// <summary>The command handlers: each parses its arguments, does one thing, prints what it shows.</summary>
internal sealed partial class ScriptRunner
{
    /// <summary>
    /// <c>add-nodes N [prevote= checkquorum= snapshot-every= keep= election= heartbeat= seed= read-only=safe|lease]</c>.
    /// The first call creates the cluster with N founding voters (bootstrapped through the log, as etcd
    /// does); later calls add N empty nodes with the next ids, which join through membership changes.
    /// </summary>
    private void AddNodes(ScriptArgs a)
    {
        var count = a.Int(0);
        if (_cluster is null)
        {
            var options = new SimulatedClusterOptions
            {
                PreVote = a.Bool("prevote", true),
                CheckQuorum = a.Bool("checkquorum", true),
                SnapshotEvery = (ulong)a.Int("snapshot-every", 0),
                KeepEntriesAfterSnapshot = (ulong)a.Int("keep", 0),
                ElectionTick = a.Int("election", 10),
                HeartbeatTick = a.Int("heartbeat", 1),
                ReadOnlyOption = a.Text("read-only", "safe") == "lease" ? ReadOnlyOption.LeaseBased : ReadOnlyOption.Safe,
                BootstrapInLog = a.Bool("bootstrap-in-log", true),
            };
            Attach(new SimulatedCluster(a.Int("seed", 1), options));
            Cluster.AddNodes(count);
        }
        else
        {
            var next = Cluster.Nodes.Keys.Max() + 1;
            for (var i = 0; i < count; i++) Cluster.AddNode(next + (ulong)i);
        }
        // Let the founders apply their bootstrap membership so they can campaign.
        Cluster.Stabilize();
    }

    private void Campaign(ScriptArgs a) => Cluster.Campaign(a.Id(0));

    private void Propose(ScriptArgs a) => PrintResult(Cluster.Propose(a.Id(0), a.Positional(1)));

    /// <summary><c>propose-conf-change ID v4 l5 r2 [transition=auto|joint|explicit]</c>; no changes means leave-joint.</summary>
    private void ProposeConfChange(ScriptArgs a)
    {
        var changes = a.PositionalArgs.Skip(1).Select(token => new ConfChangeSingle(token[0] switch
        {
            'v' => ConfChangeType.AddVoter,
            'l' => ConfChangeType.AddLearner,
            'r' => ConfChangeType.RemoveNode,
            _ => throw new ArgumentException($"unknown change '{token}' (use v<id>, l<id>, r<id>)"),
        }, ulong.Parse(token[1..], System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var transition = a.Text("transition", "auto") switch
        {
            "auto" => ConfChangeTransition.Auto,
            "joint" or "implicit" => ConfChangeTransition.JointImplicit,
            "explicit" => ConfChangeTransition.JointExplicit,
            var t => throw new ArgumentException($"unknown transition '{t}'"),
        };
        PrintResult(Cluster.ProposeConfChange(a.Id(0), new ConfChange(changes, transition)));
    }

    /// <summary><c>tick all N</c> advances the cluster's clock; <c>tick ID N</c> ticks only that node, then delivers.</summary>
    private void Tick(ScriptArgs a)
    {
        var n = a.PositionalArgs.Count > 1 ? a.Int(1) : 1;
        if (a.Positional(0) == "all")
        {
            Cluster.Tick(n);
            return;
        }
        var node = Cluster[a.Id(0)];
        for (var i = 0; i < n; i++)
        {
            if (!node.IsUp) throw new InvalidOperationException($"node {node.Id} is down");
            node.Raft.Tick();
            Cluster.Stabilize();
        }
    }

    /// <summary><c>partition 1 / 2 3</c>: groups separated by slashes.</summary>
    private void Partition(ScriptArgs a)
    {
        var groups = string.Join(' ', a.PositionalArgs).Split('/')
            .Select(g => g.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ulong.Parse).ToArray()).ToArray();
        Cluster.Partition(groups);
    }

    private void TransferLeader(ScriptArgs a) => PrintResult(Cluster.TransferLeader(a.Id(0), a.Id(1)));

    private void ReadIndex(ScriptArgs a) => PrintResult(Cluster.ReadIndex(a.Id(0), a.Positional(1)));

    private void ReadStates(ScriptArgs a)
    {
        var node = Cluster[a.Id(0)];
        if (node.ReadStates.Count == 0) Print("no read states");
        foreach (var rs in node.ReadStates) Print($"index={rs.Index} context={Encoding.UTF8.GetString(rs.RequestContext)}");
    }

    private void PrintResult(ProposeResult result)
    {
        if (result != ProposeResult.Accepted) Print($"refused: {result}");
    }

    /// <summary>One line per node: id, role, term, leader, commit, applied.</summary>
    private void RaftState()
    {
        foreach (var n in Cluster.Nodes.Values)
        {
            var r = n.Raft;
            var state = $"{n.Id}: {r.Role} term={r.Term} leader={r.Leader} commit={r.CommitIndex} applied={r.AppliedIndex}";
            Print(n.IsUp ? state : $"{state} (down)");
        }
    }

    private void RaftLog(ScriptArgs a)
    {
        var node = Cluster[a.Id(0)];
        var snapshot = node.Storage.Snapshot().Metadata;
        if (snapshot.Index > 0) Print($"snapshot {snapshot.Term}/{snapshot.Index} {snapshot.ConfState}");
        var entries = node.LogEntries();
        if (entries.Count == 0 && snapshot.Index == 0) Print("log is empty");
        foreach (var e in entries) Print(Describe(e));
    }

    private static string Describe(Entry e) => e.Type == EntryType.ConfChange
        ? $"{e.Term}/{e.Index} ConfChange {RaftCodec.DecodeConfChange(e.Data)}"
        : $"{e.Term}/{e.Index} Normal {(e.Data.Length == 0 ? "(no-op)" : Encoding.UTF8.GetString(e.Data))}";

    private void Status(ScriptArgs a)
    {
        var s = Cluster[a.Id(0)].Raft.Status();
        Print($"{s.Id}: {s.SoftState.Role} leader={s.SoftState.Leader} term={s.HardState.Term} vote={s.HardState.Vote} commit={s.HardState.Commit} applied={s.Applied} last={s.LastIndex}");
        Print($"config: {s.Config}");
        if (s.LeadTransferee != 0) Print($"transferring to {s.LeadTransferee}");
        foreach (var (id, p) in s.Progress)
        {
            Print($"progress {id}: {p.State} match={p.Match} next={p.Next}{(p.IsLearner ? " learner" : "")}");
        }
    }

    private void Kv(ScriptArgs a)
    {
        var node = Cluster[a.Id(0)];
        if (node.Service.Data.Count == 0) Print("(empty)");
        foreach (var (k, v) in node.Service.Data) Print($"{k}={v}");
    }
}
