using System.Diagnostics;
using System.Diagnostics.Metrics;
using RaftActors.Actors;

namespace RaftActors.Host.Diagnostics;

/// <summary>
/// The host's instruments (meter "RaftActors.Host", readable with
/// <c>dotnet-counters monitor -n RaftActors.Host --counters RaftActors.Host</c>): proposals and their commit
/// latency as the client sees it, elections and snapshot sizes from the node's events, and the applied and
/// commit indexes as observed by the promoter's status poll.
/// </summary>
internal sealed class HostMetrics : IDisposable
{
    public const string MeterName = "RaftActors.Host";

    private readonly Meter _meter;
    private readonly Counter<long> _proposals;
    private readonly Histogram<double> _commitLatency;
    private readonly Counter<long> _elections;
    private readonly Counter<long> _leaderChanges;
    private readonly Histogram<long> _snapshotBytes;
    private Core.StateRole _lastRole = Core.StateRole.Follower;
    private long _applied;
    private long _committed;

    public HostMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _proposals = _meter.CreateCounter<long>("raft.proposals", "{proposal}", "Proposals made through this node's HTTP API, by outcome");
        _commitLatency = _meter.CreateHistogram<double>("raft.commit.latency", "ms", "From proposal to applied result, as the client waits");
        _elections = _meter.CreateCounter<long>("raft.elections", "{election}", "Elections this node started (it became candidate, or leader at once)");
        _leaderChanges = _meter.CreateCounter<long>("raft.leader.changes", "{change}", "Leader changes this node observed");
        _snapshotBytes = _meter.CreateHistogram<long>("raft.snapshot.size", "By", "Sizes of the snapshots this node stored");
        _meter.CreateObservableGauge("raft.applied.index", () => Interlocked.Read(ref _applied), "{entry}", "The last log index this node applied");
        _meter.CreateObservableGauge("raft.commit.index", () => Interlocked.Read(ref _committed), "{entry}", "The commit index this node knows");
    }

    public static long StartProposal() => Stopwatch.GetTimestamp();

    public void EndProposal(long started, string outcome)
    {
        _proposals.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (outcome == "ok") _commitLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    public void Observe(NodeStatus status)
    {
        Interlocked.Exchange(ref _applied, (long)status.AppliedIndex);
        Interlocked.Exchange(ref _committed, (long)status.CommitIndex);
    }

    public void OnEvent(RaftEvent raftEvent)
    {
        switch (raftEvent)
        {
            case RoleChanged changed:
                // The runtime reports roles as it observes them: a node that wins at once (the only voter, as
                // every standalone node is) goes from follower to leader without a candidate state to see.
                var previous = _lastRole;
                _lastRole = changed.Role;
                if (changed.Role == Core.StateRole.Candidate || (changed.Role == Core.StateRole.Leader && previous != Core.StateRole.Candidate)) _elections.Add(1);
                break;
            case LeaderChanged:
                _leaderChanges.Add(1);
                break;
            case SnapshotStored stored:
                _snapshotBytes.Record(stored.Bytes);
                break;
        }
    }

    public void Dispose() => _meter.Dispose();
}
