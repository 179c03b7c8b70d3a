using System.Collections.Concurrent;
using RaftActors.Messages;

namespace RaftActors.Core.Tests.Paper;

/// <summary>
/// Every vote decision and every answer a candidate counts is logged (at Info, as etcd does): a cluster that fails to
/// elect is diagnosed from these lines, and without them a vote request that never arrived and one that was refused look
/// the same.
/// </summary>
public sealed class ElectionLogTests
{
    private static readonly ulong[] Three = [1, 2, 3];

    [Fact]
    public void A_granted_vote_is_logged_with_both_logs()
    {
        var logger = new Lines();
        var n = PaperNode.Create(1, Three, logTerms: [1, 1], term: 1, configure: c => WithLogger(c, logger));
        Assert.False(Assert.Single(n.StepAndDrain(Msg.Vote(2, 1, 2, lastIndex: 2, lastTerm: 1))).Reject);
        Assert.Contains("cast Vote for 2 at term 2 (its log 1/2, ours 1/2, vote 0, leader 0)", logger.All);
    }

    [Fact]
    public void A_refused_vote_is_logged_with_the_reason()
    {
        var logger = new Lines();
        var n = PaperNode.Create(1, Three, logTerms: [1, 2], term: 2, configure: c => WithLogger(c, logger));
        Assert.True(Assert.Single(n.StepAndDrain(Msg.Vote(3, 1, 3, lastIndex: 1, lastTerm: 1))).Reject);
        Assert.Contains("rejected Vote from 3 at term 3: its log is behind (its log 1/1, ours 2/2, vote 0, leader 0)", logger.All);
    }

    [Fact]
    public void A_candidate_logs_its_request_and_each_answer_it_counts()
    {
        var logger = new Lines();
        var n = PaperNode.Create(1, Three, configure: c => WithLogger(c, logger));
        n.Raw.Campaign();
        n.Drain();
        n.StepAndDrain(Msg.VoteResponse(2, 1, 1, reject: true));
        n.StepAndDrain(Msg.VoteResponse(3, 1, 1));
        Assert.Contains("asking for Vote at term 1 with log 0/0", logger.All);
        Assert.Contains("rejected by 2: 1 granted, 1 rejected, Pending", logger.All);
        Assert.Contains("granted by 3: 2 granted, 1 rejected, Won", logger.All);
        Assert.Equal(StateRole.Leader, n.Role);
    }

    private static RaftConfig WithLogger(RaftConfig c, IRaftLogger logger) => new()
    {
        Id = c.Id, Storage = c.Storage, ElectionTick = c.ElectionTick, HeartbeatTick = c.HeartbeatTick, PreVote = c.PreVote,
        CheckQuorum = c.CheckQuorum, CheckInvariants = true, RandomSeed = c.RandomSeed, Logger = logger,
    };

    private sealed class Lines : IRaftLogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> All => _lines;

        public bool IsEnabled(RaftLogLevel level) => level >= RaftLogLevel.Info;

        public void Log(RaftLogLevel level, ulong nodeId, string message) => _lines.Enqueue(message);
    }
}
