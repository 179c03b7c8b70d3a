using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// A founding node's process whose data folder was wiped starts again under its old id: its peers know its data by
/// another identity, so it exits with code 2 and says how to rejoin, while the other two keep serving.
/// </summary>
public sealed class WipedNodeProcessTests
{
    [Fact]
    public async Task A_founder_restarted_on_a_wiped_data_folder_exits_with_code_2_and_says_how_to_rejoin()
    {
        await using var cluster = new TestCluster();
        try
        {
            await cluster.FoundAsync(3, "process-wiped");
            var leader = await TestCluster.WaitLeaderAsync(cluster.Nodes);
            var victim = cluster.Nodes.First(n => n.Name != $"node{leader}");
            var survivor = cluster.Nodes.First(n => n.Name == $"node{leader}");
            await SetAsync(survivor, "before", "1");

            victim.Process.Kill();
            Directory.Delete(victim.DataDir, recursive: true);
            victim.Process.Restart(TestCluster.Secret);

            var code = await victim.Process.WaitForExitAsync(TestCluster.Deadline);
            Assert.True(code == 2, $"exit code {code}:\n{victim.Process.Output}");
            Assert.Contains("lost its data", victim.Process.Output, StringComparison.Ordinal);
            Assert.Contains("--join", victim.Process.Output, StringComparison.Ordinal);
            await SetAsync(survivor, "after", "2");
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{ex}\n{cluster.Dump()}");
        }
    }

    private static async Task SetAsync(TestNode node, string key, string value) =>
        await Poll.UntilAsync(async () =>
        {
            var attempt = await node.Api.SetAsync(key, value);
            return attempt.Ok ? attempt : null;
        }, TestCluster.Deadline, $"the write of {key} through {node.Name}");
}
