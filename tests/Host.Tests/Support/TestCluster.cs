using System.Globalization;

namespace RaftActors.Host.Tests.Support;

/// <summary>Host processes on free loopback ports sharing one secret, each with an API client; everything killed on dispose.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const string Secret = "process-test-secret-0123456789";
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private readonly TempDir _dir = new();

    public List<TestNode> Nodes { get; } = [];

    /// <summary>Arguments every test node shares: a fast tick so elections take half a second.</summary>
    public static string[] Common(string clusterId) => ["--cluster-id", clusterId, "--tick-ms", "50"];

    public TestNode Add(string name, Func<int, int, string, IEnumerable<string>> args)
    {
        var ports = TestPorts.Free(2);
        var data = _dir.Sub(name);
        var process = HostProcess.Start(name, args(ports[0], ports[1], data), Secret);
        var node = new TestNode(name, process, new ApiClient($"http://127.0.0.1:{ports[0].ToString(CultureInfo.InvariantCulture)}"),
            $"127.0.0.1:{ports[1].ToString(CultureInfo.InvariantCulture)}", data);
        Nodes.Add(node);
        return node;
    }

    /// <summary>Starts <paramref name="count"/> founders named node1..nodeN on fixed peer ports, and waits until each is healthy.</summary>
    public async Task FoundAsync(int count, string clusterId)
    {
        var ports = TestPorts.Free(count);
        var peers = string.Join(',', ports.Select(p => $"127.0.0.1:{p}"));
        var keys = string.Join(',', Enumerable.Range(1, count));
        for (var i = 1; i <= count; i++)
        {
            var id = i;
            Add($"node{id}", (http, _, data) =>
                ["--node-id", $"{id}", "--http-port", $"{http}", "--host", $"127.0.0.1:{ports[id - 1]}", "--cluster", "--peers", peers, "--keys", keys,
                 "--data-dir", data, .. Common(clusterId)]);
        }
        foreach (var node in Nodes) await WaitHealthyAsync(node);
    }

    public string DataDir(string name) => _dir.Sub(name);

    public async Task WaitHealthyAsync(TestNode node) =>
        await Poll.UntilAsync(async () =>
        {
            if (node.Process.HasExited) throw new Xunit.Sdk.XunitException($"{node.Name} exited with {node.Process.ExitCode}:\n{node.Process.Output}");
            return await node.Api.HealthyAsync();
        }, Deadline, $"{node.Name} to be healthy");

    /// <summary>Waits until every given node names the same leader, and returns it.</summary>
    public static async Task<ulong> WaitLeaderAsync(IReadOnlyList<TestNode> nodes, ulong notThis = 0)
    {
        ulong leader = 0;
        await Poll.UntilAsync(async () =>
        {
            var seen = new HashSet<ulong>();
            foreach (var node in nodes) seen.Add(await node.Api.LeaderAsync());
            leader = seen.Single();
            return seen.Count == 1 && leader != 0 && leader != notThis;
        }, Deadline, "one leader that all nodes agree on");
        return leader;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            node.Api.Dispose();
            await node.Process.DisposeAsync();
        }
        _dir.Dispose();
    }

    public string Dump() => string.Join("\n\n", Nodes.Select(n => n.Process.ToString()));
}

internal sealed record TestNode(string Name, HostProcess Process, ApiClient Api, string Peer, string DataDir)
{
    public async Task<ulong> IdAsync() => (await Api.StatusAsync()).Data!.Value.GetProperty("id").GetUInt64();
}
