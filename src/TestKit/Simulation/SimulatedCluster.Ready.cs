using RaftActors.Core;
using RaftActors.Messages;

namespace RaftActors.TestKit.Simulation;

public sealed partial class SimulatedCluster
{
    /// <summary>One Ready cycle, in the order the Ready contract demands (see <see cref="Ready"/>).</summary>
    private void HandleReady(SimulatedNode node)
    {
        var raft = node.Raft;
        var rd = raft.GetReady();
        if (rd.SoftState is { } soft)
        {
            Safety.OnRole(node, soft, raft.Term);
            Trace?.Invoke($"node {node.Id} is {soft.Role} at term {raft.Term}" + (soft.Leader != 0 ? $" (leader {soft.Leader})" : ""));
        }
        foreach (var m in rd.Messages) Send(m);
        if (rd.Snapshot is { } snapshot)
        {
            node.Storage.ApplySnapshot(snapshot);
        }
        node.Storage.Append(rd.Entries);
        if (rd.HardState is { } hs)
        {
            node.Storage.SetHardState(hs);
            Safety.OnCommit(node, hs.Commit);
        }
        foreach (var m in rd.PersistedMessages) Send(m);
        if (rd.Snapshot is { } restored)
        {
            node.Service.Restore(restored.Metadata.Index, restored.Data);
            node.AppliedConfState = restored.Metadata.ConfState;
        }
        foreach (var entry in rd.CommittedEntries) Apply(node, entry);
        node.ReadStates.AddRange(rd.ReadStates);
        raft.Advance(rd);
        MaybeSnapshot(node);
        Safety.AfterReady(node, this);
    }

    private void Apply(SimulatedNode node, Entry entry)
    {
        Safety.OnApply(node, entry, Seed);
        node.Applied.Add(entry);
        if (entry.Type == EntryType.ConfChange)
        {
            node.AppliedConfState = node.Raft.ApplyConfChange(RaftCodec.DecodeConfChange(entry.Data));
            node.Service.Skip(entry.Index);
        }
        else
        {
            node.Service.Apply(entry.Index, entry.Data);
        }
    }

    private void MaybeSnapshot(SimulatedNode node)
    {
        if (Options.SnapshotEvery == 0) return;
        var applied = node.Raft.AppliedIndex;
        var snapIndex = node.Storage.Snapshot().Metadata.Index;
        if (applied < snapIndex + Options.SnapshotEvery || node.Service.AppliedIndex != applied) return;
        node.Storage.CreateSnapshot(applied, node.AppliedConfState, node.Service.Snapshot());
        if (applied > Options.KeepEntriesAfterSnapshot)
        {
            var compactTo = applied - Options.KeepEntriesAfterSnapshot;
            if (compactTo >= node.Storage.FirstIndex()) node.Storage.Compact(compactTo);
        }
    }

    private void Send(RaftMessage message)
    {
        MessagesSent[message.Type] = MessagesSent.GetValueOrDefault(message.Type) + 1;
        OnMessageSent?.Invoke(message);
        // Exercise the codec on every message, as the wire would.
        Network.Send(RaftCodec.DecodeMessage(RaftCodec.Encode(message)), Now);
    }
}
