using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RaftActors.Actors;
using RaftActors.Actors.Configuration;
using RaftActors.Host.Api;
using RaftActors.Host.Configuration;
using RaftActors.Host.Diagnostics;
using RaftActors.Host.Services;

namespace RaftActors.Host.Node;

/// <summary>
/// Owns the node's RaftNode across its incarnations: started once the HTTP server listens (a joiner must
/// answer the target's address check first), swapped for a fresh one-voter node on leave, stopped (leader
/// handing over first) when the host stops.
/// </summary>
internal sealed partial class NodeManager(
    IOptions<NodeHostOptions> options,
    ILoggerFactory loggerFactory,
    HostMetrics metrics,
    HostRaftConfiguration raftConfiguration,
    TimeProvider clock) : IAsyncDisposable
{
    private readonly NodeHostOptions _options = options.Value;
    private readonly ILogger _log = loggerFactory.CreateLogger("RaftActors.Host.Node");
    private readonly SemaphoreSlim _modeChange = new(1, 1);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private volatile NodeContext? _current;
    private string _secret = "";

    /// <summary>The running node, or null while starting, leaving or stopped.</summary>
    public NodeContext? Current => _current;

    public string HttpUrl { get; private set; } = "";

    public string PeerAddress { get; private set; } = "";

    public string ClusterId => _options.ClusterId;

    public string Secret => _secret;

    public string DataDir => Path.GetFullPath(_options.DataDir);

    /// <summary>The code this node answers an address check with while its own join is in flight.</summary>
    public string? PendingJoinCode { get; private set; }

    /// <summary>Raised when the node stops on its own (fail-stop): the host must exit.</summary>
    public event EventHandler<Exception>? Failed;

    public async Task StartAsync(string httpUrl, CancellationToken cancellationToken)
    {
        HttpUrl = _options.HttpUrl ?? httpUrl;
        PeerAddress = PeerAddressOf(_options.Host);
        // A leave for standalone that a crash interrupted is finished or undone before anything reads the journal.
        NodeStateFile.RecoverJournalSwap(DataDir);
        var state = NodeStateFile.Load(DataDir);
        _secret = ResolveSecret(state);
        if (state is not null && _options.Join && !IsOwnJoinedState(state))
        {
            if (!_options.DiscardData)
            {
                throw new InvalidOperationException(
                    $"{DataDir} holds data of {(state.Joined ? $"cluster '{state.ClusterId}' at {state.Peer}" : "a standalone or founding node")}: "
                    + "joining another cluster would lose it. Use another --data-dir, or pass --discard-data to wipe it.");
            }
            LogMessages.DiscardingData(_log, DataDir);
            NodeStateFile.Wipe(DataDir);
            state = null;
        }
        if (state is null && !_options.Join && NodeStateFile.HasData(DataDir))
        {
            throw new InvalidOperationException($"{NodeStateFile.JournalDir(DataDir)} holds a journal but {NodeStateFile.PathIn(DataDir)} is missing: restore it or use another --data-dir");
        }
        if (state is not null)
        {
            await RunAsync(state.NodeId, founders: FoundingPeers(state.NodeId), join: false, "restart", cancellationToken).ConfigureAwait(false);
        }
        else if (_options.Join)
        {
            var joined = await JoinAsync(cancellationToken).ConfigureAwait(false);
            new NodeStateFile(joined.Id, ClusterId, PeerAddress, Joined: true, SecretToKeep()).Save(DataDir);
            var peers = joined.Peers.Where(p => ulong.Parse(p.Key, System.Globalization.CultureInfo.InvariantCulture) != joined.Id)
                .ToDictionary(p => ulong.Parse(p.Key, System.Globalization.CultureInfo.InvariantCulture), p => p.Value);
            await RunAsync(joined.Id, peers, join: true, "join", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            new NodeStateFile(_options.NodeId, ClusterId, PeerAddress, Joined: false, SecretToKeep()).Save(DataDir);
            var mode = _options.Cluster ? "cluster" : "standalone";
            await RunAsync(_options.NodeId, FoundingPeers(_options.NodeId), join: false, mode, cancellationToken).ConfigureAwait(false);
        }
    }

    private bool IsOwnJoinedState(NodeStateFile state) =>
        state.Joined && state.ClusterId == ClusterId && string.Equals(state.Peer, PeerAddress, StringComparison.OrdinalIgnoreCase);

    private Dictionary<ulong, string> FoundingPeers(ulong self) =>
        _options.Cluster ? NodeHostOptionsValidator.ParsePeers(_options).Where(p => p.Key != self).ToDictionary() : [];

    private static string PeerAddressOf(string host) =>
        Configuration.PeerAddress.TryNormalize(host, out var address, out var error) ? address : throw new InvalidOperationException(error);

    private string ResolveSecret(NodeStateFile? state)
    {
        if (_options.Secret is { } given) return given;
        if (state?.Secret is { } kept) return kept;
        LogMessages.SecretGenerated(_log, NodeStateFile.PathIn(DataDir));
        return JoinProof.NewSecret();
    }

    /// <summary>A secret given on the command line or in the environment is not copied to disk.</summary>
    private string? SecretToKeep() => _options.Secret is null ? _secret : null;

    private async Task RunAsync(ulong nodeId, IReadOnlyDictionary<ulong, string> founders, bool join, string mode, CancellationToken cancellationToken)
    {
        LogMessages.NodeStarting(_log, nodeId, mode, PeerAddress, HttpUrl, DataDir);
        var context = await StartNodeAsync(nodeId, founders, join, cancellationToken).ConfigureAwait(false);
        _current = context;
        _ = RegisterSelfAsync(context);
    }

    private async Task<NodeContext> StartNodeAsync(ulong nodeId, IReadOnlyDictionary<ulong, string> founders, bool join, CancellationToken cancellationToken,
        string? journalDirectory = null)
    {
        // Every setting of the node comes from the merged HOCON (raftactors.conf, the --config file, the switches);
        // what only this start knows (id, founders, join, journal folder, secret) is laid over it. The same HOCON is
        // the node's ActorSystem configuration, so akka.remote settings of the file (frame size, TLS) apply too.
        var config = raftConfiguration.ConfigFor(nodeId, founders, join, journalDirectory ?? NodeStateFile.JournalDir(DataDir), _secret);
        var raftOptions = RaftSettings.Create(config).ToNodeOptions(clock) with
        {
            ListenAddress = PeerAddress,
            AdvertisedAddress = PeerAddress,
            ActorSystemConfig = config,
            // Attached before the start: a standalone node elects itself while StartAsync runs.
            Events = OnRaftEvent,
        };
        var kv = new KeyValueService(clock);
        var members = new MembershipService();
        var raft = await RaftNode.StartAsync(raftOptions, [kv, members], loggerFactory, cancellationToken).ConfigureAwait(false);
        members.HighestMemberId = async ct => (await raft.GetStatusAsync(ct).ConfigureAwait(false)).Members.Select(m => m.NodeId).DefaultIfEmpty(nodeId).Max();
        await raft.WhenRecovered.WaitAsync(cancellationToken).ConfigureAwait(false);
        var context = new NodeContext(raft, kv, members);
        _ = WatchAsync(context);
        return context;
    }

    private void OnRaftEvent(object? sender, RaftEvent raftEvent)
    {
        metrics.OnEvent(raftEvent);
        if (raftEvent is not PeerReachabilityEvent) LogMessages.RaftEventRaised(_log, raftEvent.NodeId, raftEvent.ToString());
    }

    /// <summary>A node that stops itself (journal failure) acknowledges nothing more: the host exits instead of serving errors.</summary>
    private async Task WatchAsync(NodeContext context)
    {
        try
        {
            await context.Raft.Completion.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (!ReferenceEquals(_current, context)) return;
            LogMessages.NodeFailed(_log, context.Raft.NodeId, ex.Message);
            Failed?.Invoke(this, ex);
        }
    }

    /// <summary>Records this node's addresses in the replicated registry once a leader can take the write.</summary>
    private async Task RegisterSelfAsync(NodeContext context)
    {
        var command = JsonSerializer.SerializeToUtf8Bytes(
            new MembersCommand { Op = "register", Id = context.Raft.NodeId, Peer = PeerAddress, Http = HttpUrl }, HostJson.Default.MembersCommand);
        for (var attempt = 0; ReferenceEquals(_current, context) && attempt < 120; attempt++)
        {
            try
            {
                await context.Raft.ProposeAsync(MembershipService.Name, command).ConfigureAwait(false);
                LogMessages.NodeReady(_log, context.Raft.NodeId, context.Raft.Leader);
                return;
            }
            catch (Exception ex) when (ex is RaftNodeException or ObjectDisposedException)
            {
                if (attempt % 10 == 0) LogMessages.RegisterRetry(_log, context.Raft.NodeId, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads the membership registry as this node has applied it (after a read barrier unless stale is fine).</summary>
    public static async Task<MembersState> ReadMembersAsync(NodeContext context, ReadConsistency consistency, CancellationToken cancellationToken)
    {
        var bytes = await context.Raft.QueryAsync(MembershipService.Name, [], consistency, null, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(bytes, HostJson.Default.MembersState) ?? new MembersState(1, []);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _modeChange.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var context = _current;
            _current = null;
            if (context is null) return;
            LogMessages.NodeStopping(_log, context.Raft.NodeId);
            await context.Raft.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _modeChange.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_current is { } context)
        {
            _current = null;
            await context.Raft.DisposeAsync().ConfigureAwait(false);
        }
        _http.Dispose();
        _modeChange.Dispose();
    }
}
