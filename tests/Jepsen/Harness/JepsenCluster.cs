using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// The host processes of a run on 127.0.0.1, each with its own data folder (and, when partitions can run, its
/// own OS user behind the loopback firewall). It starts with N founding nodes (ids 1..N); membership changes
/// retire nodes and add joiners under new ids, never reused. <see cref="Members"/> is the current membership,
/// which the workload and the nemeses use. Dispose stops everything it ever started, in the order that leaves
/// nothing behind: processes, firewall table, users, folders.
/// </summary>
internal sealed class JepsenCluster : IDisposable
{
    public const string Secret = "jepsen-suite-secret-0123456789abcdef";
    public const string ClusterId = "jepsen";
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(5);

    private readonly string _root;
    private readonly int _tickMs;
    private readonly bool _partitions;
    private readonly List<NodeUser> _users = [];
    private readonly List<ClusterNode> _everyNode = [];
    private readonly LoopbackFirewall? _firewall;
    private volatile IReadOnlyList<ClusterNode> _members = [];
    private int _lastId;

    public JepsenCluster(int size, bool partitions, int tickMs = 100)
    {
        _root = Directory.CreateTempSubdirectory("raftactors-jepsen-").FullName;
        _tickMs = tickMs;
        _partitions = partitions;
        try
        {
            // The nodes may run as their own users: they must reach their folders below this one.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
            var ports = FreePorts(2 * size);
            var peers = string.Join(',', Enumerable.Range(0, size).Select(i => $"127.0.0.1:{ports[size + i]}"));
            var ids = string.Join(',', Enumerable.Range(1, size));
            var founders = new List<ClusterNode>();
            for (var i = 0; i < size; i++)
            {
                founders.Add(Create(++_lastId, ports[i], ports[size + i], (id, data, http, peer) =>
                [
                    "--node-id", $"{id}", "--http-port", $"{http}", "--host", $"127.0.0.1:{peer}", "--cluster",
                    "--peers", peers, "--keys", ids, "--data-dir", data, .. Common(),
                ]));
            }
            _members = founders;
            if (partitions) _firewall = LoopbackFirewall.Install([.. founders.Select(n => (n.Id, n.User!.Uid))]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The current members, as of the last membership change the harness saw committed.</summary>
    public IReadOnlyList<ClusterNode> Members => _members;

    public int Size => _members.Count;
    public LoopbackFirewall? Firewall => _firewall;

    public ClusterNode Member(int id) => _members.Single(n => n.Id == id);

    /// <summary>The id the next added node gets: one more than any id used so far.</summary>
    public int NextId => _lastId + 1;

    public void StartAll()
    {
        foreach (var node in _members) node.Process.Start();
    }

    /// <summary>
    /// A new node (id <see cref="NextId"/>, fresh ports and folder, its own user behind the firewall) set up to join
    /// through <paramref name="target"/> with <c>--join --target</c>; not started, not yet a member.
    /// </summary>
    public ClusterNode CreateJoiner(ClusterNode target)
    {
        var ports = FreePorts(2);
        var node = Create(++_lastId, ports[0], ports[1], (_, data, http, peer) =>
            ["--http-port", $"{http}", "--host", $"127.0.0.1:{peer}", "--data-dir", data, "--join", "--target", target.Url, .. Common()]);
        _firewall?.Register(node.Id, node.User!.Uid);
        return node;
    }

    /// <summary>Makes <paramref name="node"/> a member for the workload and the nemeses (once its addition is committed).</summary>
    public void Admit(ClusterNode node) => _members = [.. _members.Where(n => n.Id != node.Id), node];

    /// <summary>Takes <paramref name="node"/> out of the membership the clients use (once its removal is committed).</summary>
    public void Retire(ClusterNode node) => _members = [.. _members.Where(n => n.Id != node.Id)];

    /// <summary>Stops a node that is no longer a member and deletes its data folder.</summary>
    public static void Wipe(ClusterNode node)
    {
        node.Process.Kill();
        Directory.Delete(node.DataDir, recursive: true);
    }

    private string[] Common() =>
        ["--cluster-id", ClusterId, "--tick-ms", _tickMs.ToString(CultureInfo.InvariantCulture), "--exit-on-stdin-close"];

    private ClusterNode Create(int id, int http, int peer, Func<int, string, int, int, string[]> args)
    {
        var data = Path.Combine(_root, $"node{id}");
        Directory.CreateDirectory(data);
        NodeUser? user = null;
        if (_partitions)
        {
            user = NodeUser.Create($"rajepsen{id}", data);
            _users.Add(user);
            user.Own(data);
        }
        var node = new ClusterNode(id, http, peer, data, user, new NodeProcess(id, args(id, data, http, peer), Secret, user));
        _everyNode.Add(node);
        return node;
    }

    public async Task WaitHealthyAsync(ClusterNode node, TimeSpan timeout, CancellationToken cancel)
    {
        await Poll.UntilAsync(async () =>
        {
            if (!node.Process.Running) throw new InvalidOperationException($"{node.Name} exited ({node.Process.ExitStatus}):\n{node.Process.Tail()}");
            return await node.Control.HealthyAsync(cancel).ConfigureAwait(false);
        }, timeout, $"{node.Name} to be healthy", cancel).ConfigureAwait(false);
    }

    public async Task WaitAllHealthyAsync(TimeSpan timeout, CancellationToken cancel)
    {
        foreach (var node in _members) await WaitHealthyAsync(node, timeout, cancel).ConfigureAwait(false);
    }

    /// <summary>Waits until every running, unpaused member names the same leader, a member; returns it.</summary>
    public async Task<ClusterNode> WaitLeaderAsync(TimeSpan timeout, CancellationToken cancel)
    {
        ClusterNode? leader = null;
        await Poll.UntilAsync(async () =>
        {
            var members = _members;
            var seen = new HashSet<ulong>();
            foreach (var node in members)
            {
                if (!node.Process.Running || node.Process.Paused) continue;
                seen.Add((await node.Control.StatusAsync(cancel).ConfigureAwait(false))?.Leader ?? 0);
            }
            if (seen.Count != 1 || seen.Single() == 0) return false;
            leader = members.FirstOrDefault(n => (ulong)n.Id == seen.Single());
            return leader is not null;
        }, timeout, "one leader that every member agrees on", cancel).ConfigureAwait(false);
        return leader!;
    }

    public string Dump() => string.Join("\n\n", _everyNode.Select(n =>
        $"--- {n.Name}{(_members.Contains(n) ? "" : " (removed)")}\n{n.Process.Report()}"));

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var listener in listeners) listener.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners) listener.Stop();
        return ports;
    }

    public void Dispose()
    {
        foreach (var node in _everyNode) node.Dispose();
        _firewall?.Dispose();
        foreach (var user in _users) user.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A killed process may hold a file for a moment; temp is cleaned by the OS eventually.
        }
    }
}
