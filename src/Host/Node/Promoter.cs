using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RaftActors.Actors;
using RaftActors.Host.Diagnostics;

namespace RaftActors.Host.Node;

/// <summary>
/// Makes learners voters once they have caught up, on whichever node leads. Running on the leader (rather
/// than in the request that admitted the learner) survives the target's crash and a change of leader: a
/// learner is never left behind, and never promoted before it holds the log (eosc's two-voter window).
/// Also feeds the index gauges.
/// </summary>
internal sealed class Promoter(NodeManager manager, HostMetrics metrics, ILoggerFactory loggerFactory) : BackgroundService
{
    /// <summary>A learner this close to the commit index is caught up: the rest arrives with the next heartbeat.</summary>
    private const ulong CaughtUpSlack = 16;

    private readonly ILogger _log = loggerFactory.CreateLogger("RaftActors.Host.Promoter");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(300));
        try
        {
            await PromoteUntilStoppedAsync(timer, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // A host whose start failed (an HTTP port in use) is disposed without being stopped, and the generic host
            // reports a cancelled service it did not stop as a crash: this is the end of its life, not a failure.
        }
    }

    private async Task PromoteUntilStoppedAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (manager.Current is not { } context) continue;
            try
            {
                var status = await context.Raft.GetStatusAsync(stoppingToken).ConfigureAwait(false);
                metrics.Observe(status);
                if (!context.Raft.IsLeader) continue;
                foreach (var learner in status.Members.Where(m => !m.IsVoter && m.MatchIndex is > 0 and var match && match + CaughtUpSlack >= status.CommitIndex))
                {
                    await context.Raft.PromoteAsync(learner.NodeId, stoppingToken).ConfigureAwait(false);
                    LogMessages.Promoted(_log, learner.NodeId);
                }
            }
            catch (Exception ex) when (ex is RaftNodeException or ObjectDisposedException)
            {
                LogMessages.PromoteFailed(_log, context.Raft.NodeId, ex.Message);
            }
        }
    }
}
