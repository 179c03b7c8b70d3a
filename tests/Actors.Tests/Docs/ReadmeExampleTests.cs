using Akka.Actor;
using Akka.Configuration;
using RaftActors.Actors;
using RaftActors.Actors.Tests.Node;

namespace RaftActors.Actors.Tests.Docs;

/// <summary>The README's embedding example, kept compiling and working (only the folder and port differ).</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task The_readme_example_runs_inside_the_users_actor_system_and_prints_three()
    {
        var folder = Path.Combine(Path.GetTempPath(), "raftactors-readme-" + Guid.NewGuid().ToString("N"));
        var port = NodeCluster.FreePort();
        try
        {
            var system = ActorSystem.Create("raft", ConfigurationFactory.ParseString($$"""
                akka.actor.provider = remote
                akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
                """));

            var node = await RaftExtension.Get(system).StartNodeAsync(new RaftNodeOptions
            {
                NodeId = 1,
                DataDirectory = folder,
                ClusterId = "my-cluster",
                Secret = "at-least-sixteen-bytes-of-secret",
            }, [new Counter()]);

            byte[] reply = await node.ProposeAsync("counter", [1, 2, 3]);
            byte[] value = await node.QueryAsync("counter", []);
            Assert.Equal(3, BitConverter.ToInt64(reply));
            Assert.Equal(3, BitConverter.ToInt64(value));
            await node.StopAsync();
            await system.Terminate();
            Assert.True(node.Completion.IsCompleted);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class Counter : IService
    {
        private long _value;
        public string Namespace => "counter";
        public ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken ct) => ValueTask.FromResult(request.ToArray());
        public byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command) => BitConverter.GetBytes(_value += command.Length);
        public byte[] Query(ReadOnlySpan<byte> query) => BitConverter.GetBytes(_value);
        public byte[] GetInit() => BitConverter.GetBytes(_value);
        public async ValueTask WriteSnapshotAsync(Stream destination, CancellationToken ct) => await destination.WriteAsync(BitConverter.GetBytes(_value), ct);
        public async ValueTask RestoreSnapshotAsync(Stream source, CancellationToken ct)
        {
            var buffer = new byte[8];
            await source.ReadExactlyAsync(buffer, ct);
            _value = BitConverter.ToInt64(buffer);
        }
    }
}
