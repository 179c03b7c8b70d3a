using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// N founding host processes on 127.0.0.1 with their own data folders (and, when partitions can run, their
/// own OS users behind the loopback firewall). Dispose stops everything it started, in the order that
/// leaves nothing behind: processes, firewall table, users, folders.
/// </summary>
internal sealed class JepsenCluster : IDisposable
{
    public const string Secret = "jepsen-suite-secret-0123456789abcdef";
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(5);

    private readonly string _root;
    private readonly List<NodeUser> _users = [];
    private readonly List<NodeProcess> _nodes = [];
    private readonly List<NodeClient> _clients = [];
    private readonly List<NodeClient> _control = [];
    private readonly LoopbackFirewall? _firewall;

    public JepsenCluster(int size, bool partitions, int tickMs = 100)
    {
        _root = Directory.CreateTempSubdirectory("raftactors-jepsen-").FullName;
        try
        {
            // The nodes may run as their own users: they must reach their folders below this one.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
            var ports = FreePorts(2 * size);
            var peers = string.Join(',', Enumerable.Range(0, size).Select(i => $"127.0.0.1:{ports[size + i]}"));
            var ids = string.Join(',', Enumerable.Range(1, size));
            for (var i = 0; i < size; i++)
            {
                var data = Path.Combine(_root, $"node{i + 1}");
                Directory.CreateDirectory(data);
                NodeUser? user = null;
                if (partitions)
                {
                    user = NodeUser.Create($"rajepsen{i + 1}", data);
                    _users.Add(user);
                    user.Own(data);
                }
                string[] args = ["--node-id", $"{i + 1}", "--http-port", $"{ports[i]}", "--host", $"127.0.0.1:{ports[size + i]}", "--cluster",
                    "--peers", peers, "--keys", ids, "--data-dir", data, "--cluster-id", "jepsen", "--tick-ms", tickMs.ToString(CultureInfo.InvariantCulture),
                    "--exit-on-stdin-close"];
                _nodes.Add(new NodeProcess(i, args, Secret, user));
                _clients.Add(new NodeClient(ports[i], ClientTimeout));
                _control.Add(new NodeClient(ports[i], TimeSpan.FromSeconds(2)));
            }
            PeerPorts = ports[size..];
            if (partitions) _firewall = LoopbackFirewall.Install([.. _users.Select((u, i) => (u.Uid, PeerPorts[i]))]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Size => _nodes.Count;
    public IReadOnlyList<int> PeerPorts { get; } = [];
    public IReadOnlyList<NodeProcess> Nodes => _nodes;
    public LoopbackFirewall? Firewall => _firewall;

    /// <summary>The client the workload uses for node <paramref name="i"/> (the client timeout of the run).</summary>
    public NodeClient Client(int i) => _clients[i];

    /// <summary>A client with a short timeout for the harness's own probing.</summary>
    public NodeClient Control(int i) => _control[i];

    public void StartAll()
    {
        foreach (var node in _nodes) node.Start();
    }

    public async Task WaitHealthyAsync(int i, TimeSpan timeout, CancellationToken cancel)
    {
        await Poll.UntilAsync(async () =>
        {
            if (!_nodes[i].Running) throw new InvalidOperationException($"node {i + 1} exited ({_nodes[i].ExitStatus}):\n{_nodes[i].Tail()}");
            return await _control[i].HealthyAsync(cancel).ConfigureAwait(false);
        }, timeout, $"node {i + 1} to be healthy", cancel).ConfigureAwait(false);
    }

    /// <summary>Waits until every running, unpaused node names the same leader; returns its index.</summary>
    public async Task<int> WaitLeaderAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var leader = -1;
        await Poll.UntilAsync(async () =>
        {
            var seen = new HashSet<ulong>();
            for (var i = 0; i < Size; i++)
            {
                if (!_nodes[i].Running || _nodes[i].Paused) continue;
                seen.Add((await _control[i].StatusAsync(cancel).ConfigureAwait(false))?.Leader ?? 0);
            }
            if (seen.Count != 1 || seen.Single() == 0) return false;
            leader = (int)seen.Single() - 1;
            return true;
        }, timeout, "one leader that every node agrees on", cancel).ConfigureAwait(false);
        return leader;
    }

    public string Dump() => string.Join("\n\n", _nodes.Select(n => $"--- node {n.Index + 1} (last lines)\n{n.Tail()}"));

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
        foreach (var node in _nodes) node.Dispose();
        foreach (var client in _clients.Concat(_control)) client.Dispose();
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
