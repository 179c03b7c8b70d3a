using System.Globalization;
using System.Net;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// Membership changes through the HTTP API, each checked to have happened: <c>deleteNode</c> through another
/// member, then the removed id must be gone from every remaining member's <c>getPeerList</c> before the node is
/// stopped and its folder deleted; <c>addNode</c> of a new id (never one used before) at a fresh address, then the
/// node started there with <c>--join --target</c> must come up under that id and be a voter in every member's
/// configuration and peer list before the clients use it.
/// </summary>
internal sealed class MembershipChanges(JepsenCluster cluster, Random random, Action<string> log)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Removes <paramref name="victim"/> (running or not) from the cluster, then stops it and wipes its folder.</summary>
    public async Task RemoveAsync(ClusterNode victim, CancellationToken cancel)
    {
        var body = string.Create(CultureInfo.InvariantCulture, $"{{\"id\": {victim.Id}}}");
        var last = "";
        var attempts = 0;
        await UntilAsync(async () =>
        {
            var via = Pick(cluster.Members.Where(n => n != victim));
            var (status, code, raw) = await via.Client.PostAsync("/raft/api/deleteNode", body, cancel).ConfigureAwait(false);
            attempts++;
            last = $"{via.Name}: {raw}";
            // 404 after an attempt whose answer was lost: that attempt removed it (the peer lists below tell).
            return (status == HttpStatusCode.OK && code == "000000") || (status == HttpStatusCode.NotFound && attempts > 1);
        }, $"deleteNode {victim.Id} to succeed", () => last, cancel).ConfigureAwait(false);
        cluster.Retire(victim);
        log($"nemesis: deleteNode {victim.Id} acknowledged ({last})");
        await Poll.UntilAsync(async () =>
        {
            foreach (var node in cluster.Members)
            {
                if (await node.Control.PeerIdsAsync(cancel).ConfigureAwait(false) is not { } ids || ids.Contains(victim.Id)) return false;
            }
            return true;
        }, Deadline, $"{victim.Name} to be gone from every member's getPeerList", cancel).ConfigureAwait(false);
        JepsenCluster.Wipe(victim);
    }

    /// <summary>Adds a node under a new id through <c>addNode</c> and starts it with <c>--join</c>; returns it once it is a voter everywhere.</summary>
    public async Task<ClusterNode> AddAsync(CancellationToken cancel)
    {
        var node = cluster.CreateJoiner(Pick(cluster.Members));
        var body = string.Create(CultureInfo.InvariantCulture, $"{{\"id\": {node.Id}, \"host\": \"{node.Peer}\"}}");
        var last = "";
        var attempts = 0;
        await UntilAsync(async () =>
        {
            var via = Pick(cluster.Members);
            var (status, code, raw) = await via.Client.PostAsync("/raft/api/addNode", body, cancel).ConfigureAwait(false);
            attempts++;
            last = $"{via.Name}: {raw}";
            // 409 "already a member at this address" after an attempt whose answer was lost: that attempt added it.
            return (status == HttpStatusCode.OK && code == "000000")
                || (status == HttpStatusCode.Conflict && attempts > 1 && raw.Contains($"already a member (at {node.Peer})", StringComparison.Ordinal));
        }, $"addNode {node.Id} to succeed", () => last, cancel).ConfigureAwait(false);
        log($"nemesis: addNode {node.Id} at {node.Peer} acknowledged; starting {node.Name} with --join");
        node.Process.Start();
        await cluster.WaitHealthyAsync(node, Deadline, cancel).ConfigureAwait(false);
        var own = await node.Control.StatusAsync(cancel).ConfigureAwait(false);
        if (own?.Id != (ulong)node.Id) throw new InvalidOperationException($"the joiner started for id {node.Id} runs as {own?.Id.ToString(CultureInfo.InvariantCulture) ?? "nothing"}");
        IReadOnlyList<ClusterNode> everyone = [.. cluster.Members, node];
        await Poll.UntilAsync(async () =>
        {
            foreach (var member in everyone)
            {
                if (await member.Control.MembersAsync(cancel).ConfigureAwait(false) is not { } members || !members.TryGetValue(node.Id, out var voter) || !voter) return false;
                if (await member.Control.PeerIdsAsync(cancel).ConfigureAwait(false) is not { } ids || !ids.Contains(node.Id)) return false;
            }
            return true;
        }, Deadline, $"{node.Name} to be a voter in every member's configuration and peer list", cancel).ConfigureAwait(false);
        cluster.Admit(node);
        return node;
    }

    private static async Task UntilAsync(Func<Task<bool>> probe, string what, Func<string> last, CancellationToken cancel)
    {
        try
        {
            await Poll.UntilAsync(probe, Deadline, what, cancel).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last answer {last()}", ex);
        }
    }

    private ClusterNode Pick(IEnumerable<ClusterNode> nodes)
    {
        var serving = nodes.Where(n => n.Process.Running && !n.Process.Paused).ToList();
        return serving.Count > 0 ? serving[random.Next(serving.Count)] : throw new InvalidOperationException("no member is running");
    }
}
