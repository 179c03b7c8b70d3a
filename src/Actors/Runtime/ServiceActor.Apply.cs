using Akka.Actor;
using RaftActors.Messages;

// Awaits in an actor's handlers resume on the actor's own task scheduler (Akka's ActorTaskScheduler): a
// ConfigureAwait(false) would resume outside the actor, without its Self, Sender and Context.
#pragma warning disable CA2007

namespace RaftActors.Actors.Runtime;

/// <summary>Applying committed entries: order, no-ops, membership, client sessions, replies.</summary>
internal sealed partial class ServiceActor
{
    private async Task OnApplyCommittedAsync(ApplyCommitted batch)
    {
        foreach (var item in batch.Entries)
        {
            var entry = item.Entry;
            // A restarted RaftActor hands over again what was committed after the journal's snapshot.
            if (entry.Index <= _applied) continue;
            if (entry.Index != _applied + 1)
            {
                throw new ActorFailStopException(
                    $"node {_nodeId}: entry {entry.Index} was handed to the services after entry {_applied}: entries in between are missing");
            }
            Apply(item);
            _applied = entry.Index;
            _appliedTerm = entry.Term;
            Publish();
            if (_options.SnapshotEvery > 0 && _applied - _snapshotBase >= _options.SnapshotEvery)
            {
                await TakeSnapshotAsync();
            }
        }
        ServeWaitingQueries();
    }

    private void Apply(CommittedEntry item)
    {
        var entry = item.Entry;
        if (entry.Type == EntryType.ConfChange)
        {
            // The RaftActor applied it to the core already; the next snapshot records the result.
            if (item.ConfStateAfter is { } after)
            {
                _confState = after;
                _addresses = MemberAddresses.AfterChange(_addresses, entry, after);
            }
            return;
        }
        if (entry.Data.Length == 0) return; // a new leader's no-op

        CommandView envelope;
        try
        {
            envelope = CommandEnvelope.Read(entry.Data);
        }
        catch (CodecException ex)
        {
            // Every node decodes the same bytes the same way, so skipping it keeps them all in step.
            ServiceActorLog.UndecodableEntry(_log, _nodeId, entry.Index, ex);
            return;
        }
        ApplyCommand(entry, envelope);
    }

    private void ApplyCommand(Entry entry, CommandView envelope)
    {
        var local = envelope.Origin == _nodeId;
        // The namespace is looked up as characters on the stack: a string per applied entry was garbage on every node.
        Span<char> chars = stackalloc char[CommandEnvelope.MaxNamespaceBytes];
        var name = chars[..System.Text.Encoding.UTF8.GetChars(envelope.Namespace, chars)];
        if (!_byNamespaceChars.TryGetValue(name, out var service))
        {
            var text = name.ToString();
            ServiceActorLog.UnknownNamespace(_log, _nodeId, entry.Index, text);
            if (local) _registry.TryFail(envelope.RequestId, NotFound(text));
            return;
        }

        var session = envelope.ClientId != 0;
        if (session && !CheckSession(entry, envelope, local)) return;

        byte[] result;
        try
        {
            result = service.Apply(new ApplyContext(entry.Index, entry.Term), envelope.Payload) ?? [];
        }
#pragma warning disable CA1031 // Rethrown as a fail-stop: any exception from Apply is a service bug.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new ActorFailStopException(
                $"node {_nodeId}: service '{service.Namespace}' threw applying entry {entry.Index} (term {entry.Term}); "
                + $"the node stops rather than diverge from the others: {ex.Message}", ex);
        }

        if (session)
        {
            var evicted = _sessions.Record(envelope.ClientId, envelope.Sequence, entry.Index, result);
            if (evicted != 0) ServiceActorLog.SessionEvicted(_log, _nodeId, evicted);
        }
        if (local) _registry.TryComplete(envelope.RequestId, result);
    }

    /// <summary>Whether the command of a client session is to be applied; answers its waiter when not.</summary>
    private bool CheckSession(Entry entry, CommandView envelope, bool local)
    {
        if (envelope.Sequence == 0)
        {
            // The node refuses these before proposing; one in the log is skipped, identically everywhere.
            ServiceActorLog.ZeroSequence(_log, _nodeId, entry.Index, envelope.ClientId);
            if (local)
            {
                _registry.TryFail(envelope.RequestId, new RaftNodeException(RaftErrorCode.BadRequest,
                    $"client {envelope.ClientId}: a session's sequence numbers start at 1"));
            }
            return false;
        }
        switch (_sessions.Check(envelope.ClientId, envelope.Sequence, out var cached))
        {
            case SessionVerdict.Duplicate:
                if (local) _registry.TryComplete(envelope.RequestId, cached);
                return false;
            case SessionVerdict.Stale:
                if (local)
                {
                    _registry.TryFail(envelope.RequestId, new RaftNodeException(RaftErrorCode.StaleSequence,
                        $"client {envelope.ClientId}: sequence {envelope.Sequence} is older than the latest one applied"));
                }
                return false;
            default:
                return true;
        }
    }
}
