using System.Net;
using RaftActors.Actors;
using RaftActors.Host.Api;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// Issue 8 item 11: every error a proposal can return says whether the write may still apply (data.outcome in the
/// envelope), every RaftErrorCode is classified, and docs/host.md's table says the same as the code.
/// </summary>
public sealed class ProposalOutcomeTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public void Every_error_code_is_definite_or_indefinite_and_the_docs_table_says_the_same()
    {
        var docs = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "host.md"));
        foreach (var code in Enum.GetValues<RaftErrorCode>())
        {
            var outcome = Outcomes.Of(code);
            Assert.Contains(outcome, new[] { Outcomes.NotApplied, Outcomes.Unknown });
            var row = docs.SingleOrDefault(l => l.StartsWith($"| `{code}` |", StringComparison.Ordinal));
            Assert.True(row is not null, $"docs/host.md has no row for {code}");
            Assert.Equal(outcome, row.Split('|')[3].Trim());
        }
    }

    [Theory]
    [InlineData(RaftErrorCode.Timeout)]
    [InlineData(RaftErrorCode.Stopped)]
    [InlineData(RaftErrorCode.StaleSequence)]
    public void Waiting_that_ended_without_an_answer_is_indefinite(RaftErrorCode code) =>
        Assert.Equal(Outcomes.Unknown, Outcomes.Of(code));

    [Theory]
    [InlineData(RaftErrorCode.NoLeader)]
    [InlineData(RaftErrorCode.NotLeader)]
    [InlineData(RaftErrorCode.LeadershipLost)]
    [InlineData(RaftErrorCode.Overloaded)]
    [InlineData(RaftErrorCode.Rejected)]
    [InlineData(RaftErrorCode.BadRequest)]
    public void A_refusal_before_proposing_or_a_replaced_entry_is_definite(RaftErrorCode code) =>
        Assert.Equal(Outcomes.NotApplied, Outcomes.Of(code));

    /// <summary>A founding member of two whose peer never starts: no leader, so a write waits until its deadline.</summary>
    [Fact]
    public async Task A_write_that_times_out_without_a_quorum_is_504_with_outcome_unknown()
    {
        var ports = TestPorts.Free(2);
        var config = _dir.Sub("timeout.conf");
        await File.WriteAllTextAsync(config, "akka.raft.request-timeout = 2s\n");
        await using var host = InProcessHost.Build(_dir.Sub("data"), "no-quorum", "--config", config, "--node-id", "1", "--host", $"127.0.0.1:{ports[0]}",
            "--cluster", "--peers", $"127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}", "--keys", "1,2");
        await host.StartAsync();
        await host.WaitHealthyAsync();

        var reply = await host.Api.SetAsync("k", "v");
        Assert.True(reply.Status == HttpStatusCode.GatewayTimeout && reply.Code == "120005", reply.ToString());
        Assert.Equal("unknown", reply.Data!.Value.GetProperty("outcome").GetString());
    }

    /// <summary>A write refused by the node's proposal limit: definite, and it did not apply.</summary>
    [Fact]
    public async Task A_write_over_the_proposal_limit_is_refused_with_outcome_not_applied()
    {
        var config = _dir.Sub("small.conf");
        await File.WriteAllTextAsync(config, "akka.raft.max-proposal-bytes = 2000\n");
        await using var host = InProcessHost.Build(_dir.Sub("small"), "small", "--config", config);
        await host.StartAsync();
        await host.WaitHealthyAsync();

        var reply = await host.Api.SetAsync("k", new string('x', 3000));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.Status);
        Assert.Equal("not-applied", reply.Data!.Value.GetProperty("outcome").GetString());
        Assert.Null(await host.Api.ValueAsync("k", "stale"));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RaftActors.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("no RaftActors.sln above the test binaries");
    }

    public void Dispose() => _dir.Dispose();
}
