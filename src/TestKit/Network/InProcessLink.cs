using System.Threading.Channels;
using RaftActors.Actors;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using RaftActors.Persistence;

namespace RaftActors.TestKit.Network;

/// <summary>What a link carries, in the order it was sent.</summary>
internal abstract record LinkItem
{
    public sealed record Messages(IReadOnlyList<RaftMessage> Batch) : LinkItem;

    public sealed record Forward(byte[] Payload) : LinkItem;

    /// <summary>Re-check reachability and tell the sender if it changed (the network's rules changed).</summary>
    public sealed record Refresh : LinkItem
    {
        public static readonly Refresh Instance = new();
    }
}

/// <summary>
/// One direction between two nodes of an <see cref="InProcessNetwork"/>, the in-process counterpart of
/// a PeerActor and its TCP connection: a queue and one task that drains it, so delivery is in order and
/// never runs inside the sender's Ready cycle. Whether the link is open is decided at delivery, so a cut
/// also loses what was already on its way. A Snapshot message is not delivered as a message: its payload
/// is copied from the sender's journal into a file in the receiver's data folder, which the receiver gets
/// as <see cref="SnapshotReceived"/>, exactly what the TCP transport's staging produces.
/// </summary>
internal sealed class InProcessLink : IAsyncDisposable
{
    private readonly Channel<LinkItem> _queue = Channel.CreateUnbounded<LinkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly InProcessNetwork _network;
    private readonly InProcessEndpoint _from;
    private readonly Task _pump;

    // Read and written only by the pump: what the sender was last told about this peer.
    private bool _reportedUnreachable;

    public InProcessLink(InProcessNetwork network, InProcessEndpoint from, ulong to)
    {
        _network = network;
        _from = from;
        To = to;
        _pump = Task.Run(PumpAsync);
    }

    public ulong To { get; }

    private ulong From => _from.NodeId;

    /// <summary>Queues <paramref name="item"/>; after disposal it is lost, as on a closed connection.</summary>
    public void Post(LinkItem item) => _queue.Writer.TryWrite(item);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var item)) await DeliverAsync(item).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: what is still queued is lost, as it would be with a closed connection.
        }
    }

    private async Task DeliverAsync(LinkItem item)
    {
        try
        {
            switch (item)
            {
                case LinkItem.Messages messages:
                    await DeliverMessagesAsync(messages.Batch).ConfigureAwait(false);
                    break;
                case LinkItem.Forward forward:
                    var target = Route();
                    if (target is not null) await target.ReceiveForwardAsync(From, forward.Payload).ConfigureAwait(false);
                    break;
                case LinkItem.Refresh:
                    Report(_network.CanDeliver(From, To));
                    break;
            }
        }
        catch (InvalidOperationException)
        {
            // The receiver is still starting (its RaftActor is not wired yet): lost, as a message to a
            // listener that does not accept yet would be. Raft retransmits.
        }
    }

    /// <summary>Delivers runs of ordinary messages as one batch each, and each snapshot on its own, in order.</summary>
    private async Task DeliverMessagesAsync(IReadOnlyList<RaftMessage> batch)
    {
        List<RaftMessage> run = [];
        InProcessEndpoint? target = null;
        foreach (var message in batch)
        {
            if (message.Type == MessageType.Snapshot)
            {
                Flush(target, run);
                await DeliverSnapshotAsync(message).ConfigureAwait(false);
                continue;
            }
            // Routed one message at a time, so that a drop rate loses single messages, not whole batches.
            var routed = Route();
            if (routed is null) continue;
            if (target is not null && routed != target) Flush(target, run);
            target = routed;
            run.Add(message);
        }
        Flush(target, run);
    }

    private void Flush(InProcessEndpoint? target, List<RaftMessage> run)
    {
        if (target is null || run.Count == 0) return;
        target.RaftActor.Tell(new PeerMessagesReceived(From, run.ToArray()));
        run.Clear();
    }

    private async Task DeliverSnapshotAsync(RaftMessage message)
    {
        var target = Route();
        if (target is null)
        {
            FinishSnapshot(failed: true);
            return;
        }
        string? path = null;
        try
        {
            using var snapshot = _from.Journal.OpenSnapshot();
            var wanted = message.Snapshot?.Metadata;
            if (snapshot is null || wanted is null || snapshot.Metadata.Index != wanted.Index || snapshot.Metadata.Term != wanted.Term)
            {
                // The journal moved on to a newer snapshot: Raft asks for that one after this report.
                FinishSnapshot(failed: true);
                return;
            }
            path = Path.Combine(target.IncomingSnapshots,
                FormattableString.Invariant($"from-{From}-index-{wanted.Index}-term-{wanted.Term}-{Guid.NewGuid():N}.snapshot"));
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                await snapshot.Payload.CopyToAsync(file, _stop.Token).ConfigureAwait(false);
            }
            // A link cut during the copy fails the transfer, as a connection lost mid-stream would.
            if (!_network.CanDeliver(From, To))
            {
                FinishSnapshot(failed: true);
                return;
            }
            // From here the receiver owns the file: it stores it in its journal and deletes it.
            target.RaftActor.Tell(new SnapshotReceived(message with { Snapshot = new Snapshot(snapshot.Metadata) }, path));
            path = null;
            FinishSnapshot(failed: false);
        }
        catch (Exception e) when (e is JournalException or IOException or UnauthorizedAccessException
            || (e is OperationCanceledException && _stop.IsCancellationRequested))
        {
            FinishSnapshot(failed: true);
        }
        finally
        {
            if (path is not null) TryDelete(path);
        }
    }

    /// <summary>Raft waits for this report before it sends the peer anything else from the log.</summary>
    private void FinishSnapshot(bool failed) => _from.RaftActor.Tell(new SnapshotSendFinished(To, failed));

    private InProcessEndpoint? Route()
    {
        var target = _network.Route(From, To, out var linkOpen);
        Report(linkOpen);
        return target;
    }

    /// <summary>Tells the sender when the peer became unreachable or reachable again; once per change.</summary>
    private void Report(bool reachable)
    {
        if (reachable == !_reportedUnreachable) return;
        _reportedUnreachable = !reachable;
        _from.RaftActor.Tell(new PeerReachabilityChanged(To, reachable));
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The node's endpoint empties its staging folder of leftovers when the node next starts.
        }
    }
}
