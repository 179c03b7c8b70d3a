using System.Text.Json;
using RaftActors.Actors;
using RaftActors.Host.Api;
using RaftActors.Host.Diagnostics;
using RaftActors.Host.Services;

namespace RaftActors.Host.Node;

internal sealed partial class NodeManager
{
    /// <summary>
    /// Leaves the cluster and carries on standalone with the data: the registry records the removal (so the
    /// id is never handed out again), leadership moves away if this node leads, the conf change removes it,
    /// then a fresh one-voter node starts on a new journal and replays each service's GetInit() as its first
    /// entries. Refused (mode error) when this node is the only voter.
    /// </summary>
    public async Task<ulong> LeaveAsync(CancellationToken cancellationToken)
    {
        await _modeChange.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var context = _current ?? throw new ApiException(503, ApiCodes.NoLeader, "the node is not running");
            var raft = context.Raft;
            var status = await raft.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            var others = status.Members.Where(m => m.NodeId != raft.NodeId).ToList();
            if (others.Count == 0)
            {
                throw new ApiException(409, ApiCodes.InvalidForMode, "this node is standalone (the only member): there is no cluster to leave");
            }
            // Everything committed so far is applied here first, so the standalone copy misses no acknowledged write.
            await raft.ReadBarrierAsync(cancellationToken).ConfigureAwait(false);
            await ProposeMembersAsync(raft, new MembersCommand { Op = "remove", Id = raft.NodeId }, cancellationToken).ConfigureAwait(false);
            if (raft.IsLeader && others.FirstOrDefault(m => m.IsVoter) is { } successor)
            {
                await raft.TransferLeadershipAsync(successor.NodeId, cancellationToken).ConfigureAwait(false);
            }
            await RemoveSelfAsync(raft, cancellationToken).ConfigureAwait(false);
            _current = null;
            await raft.StopAsync(cancellationToken).ConfigureAwait(false);
            var inits = context.UserServices.Select(s => (s.Namespace, Init: s.GetInit())).ToList();
            try
            {
                await BecomeStandaloneAsync(raft.NodeId, inits, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Removed from the cluster and not standalone: serving would mean answering 503 for good. The host
                // stops instead, visibly. The old journal goes only once the new one holds the data, so none is lost.
                var reason = $"could not carry the data into standalone mode after leaving ({ex.Message}); {DataDir} keeps the data";
                LogMessages.NodeFailed(_log, raft.NodeId, reason);
                Failed?.Invoke(this, new InvalidOperationException(reason, ex));
                throw new ApiException(500, ApiCodes.ProposalFailed, $"this node left the cluster but {reason}: the host stops");
            }
            LogMessages.Left(_log, raft.NodeId);
            return raft.NodeId;
        }
        finally
        {
            _modeChange.Release();
        }
    }

    /// <summary>
    /// Builds the standalone node's journal beside the old one and swaps it in only once the services' init
    /// entries are committed there (a one-voter node commits only what it has fsynced): until then a crash, or
    /// a refused init, leaves the old journal as it was. Then the node starts from the new journal.
    /// </summary>
    private async Task BecomeStandaloneAsync(ulong nodeId, IReadOnlyList<(string Namespace, byte[] Init)> inits, CancellationToken cancellationToken)
    {
        var next = NodeStateFile.NextJournalDir(DataDir);
        if (Directory.Exists(next)) Directory.Delete(next, recursive: true);
        var staging = await StartNodeAsync(nodeId, new Dictionary<ulong, string>(), join: false, cancellationToken, next).ConfigureAwait(false);
        try
        {
            foreach (var (ns, init) in inits) await ProposeInitAsync(staging.Raft, ns, init, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await staging.Raft.StopAsync(CancellationToken.None).ConfigureAwait(false);
            Directory.Delete(next, recursive: true);
            throw;
        }
        await staging.Raft.StopAsync(cancellationToken).ConfigureAwait(false);
        NodeStateFile.SwapJournal(DataDir);
        new NodeStateFile(nodeId, ClusterId, PeerAddress, Joined: false, SecretToKeep()).Save(DataDir);
        LogMessages.NodeStarting(_log, nodeId, "standalone (left)", PeerAddress, HttpUrl, DataDir);
        var fresh = await StartNodeAsync(nodeId, new Dictionary<ulong, string>(), join: false, cancellationToken).ConfigureAwait(false);
        _current = fresh;
        _ = RegisterSelfAsync(fresh);
    }

    /// <summary>How long an init entry is retried while the one-voter node elects itself or is busy.</summary>
    internal static readonly TimeSpan InitDeadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Proposes one init entry, again while the error says it was not applied and may succeed later (no leader
    /// yet, overloaded, timed out: an init replaces the service's state, so applying it twice is harmless).
    /// A refusal (too large, rejected by the service) is final.
    /// </summary>
    private static async Task ProposeInitAsync(RaftNode raft, string ns, byte[] init, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + InitDeadline;
        while (true)
        {
            try
            {
                await raft.ProposeAsync(ns, init, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RaftNodeException ex) when (IsTransient(ex.Code) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(RaftErrorCode code) =>
        code is RaftErrorCode.NoLeader or RaftErrorCode.NotLeader or RaftErrorCode.LeadershipLost or RaftErrorCode.Overloaded or RaftErrorCode.Timeout;

    /// <summary>
    /// Removes this node through the leader and waits until this node has applied its own removal. The
    /// leader drops its connection to a node as it removes it, so the forwarded request's answer can be lost
    /// on the way back; the applied configuration is the ground truth.
    /// </summary>
    private static async Task RemoveSelfAsync(RaftNode raft, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var removal = raft.RemoveAsync(raft.NodeId, stop.Token);
        try
        {
            while (!removal.IsCompleted)
            {
                var status = await raft.GetStatusAsync(cancellationToken).ConfigureAwait(false);
                if (status.Members.All(m => m.NodeId != raft.NodeId)) return;
                await Task.WhenAny(removal, Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken)).ConfigureAwait(false);
            }
            await removal.ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // The abandoned forward ends with the cancellation; its outcome no longer matters.
            _ = removal.ContinueWith(t => t.Exception, TaskScheduler.Default);
        }
    }

    public static async Task<MembersResult> ProposeMembersAsync(RaftNode raft, MembersCommand command, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(command, HostJson.Default.MembersCommand);
        var reply = await raft.ProposeAsync(MembershipService.Name, bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(reply, HostJson.Default.MembersResult) ?? new MembersResult(false, 0, false, "empty reply");
    }
}
