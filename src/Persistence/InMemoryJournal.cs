using RaftActors.Messages;

namespace RaftActors.Persistence;

/// <summary>
/// An <see cref="IJournal"/> held in memory, for unit tests: the same contract and rules as
/// <see cref="SqliteJournal"/> (both use one rule set), "durable" for as long as its
/// <see cref="InMemoryJournalStore"/> lives. Snapshot payloads are held as bytes.
/// </summary>
public sealed class InMemoryJournal : IJournal
{
    private readonly InMemoryJournalStore _store;
    private readonly JournalView _view;
    private bool _disposed;
    private JournalWriteException? _failure;

    public InMemoryJournal() : this(new InMemoryJournalStore())
    {
    }

    /// <summary>Opens a journal over <paramref name="store"/>, recovering what earlier journals saved in it.</summary>
    /// <exception cref="JournalLockedException">Another journal over the store is not yet disposed.</exception>
    public InMemoryJournal(InMemoryJournalStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        lock (store.Gate)
        {
            if (store.IsOpen) throw new JournalLockedException(store.Name);
            store.IsOpen = true;
            _store = store;
            var last = store.Entries.Count == 0 ? store.Base.Index : store.Entries[^1].Index;
            _view = new JournalView(store.HardState, store.Snapshot, store.Base, last);
        }
    }

    public JournalState State { get { lock (_store.Gate) { CheckUsable(); return _view.ToState(); } } }
    public ulong FirstIndex { get { lock (_store.Gate) { CheckUsable(); return _view.FirstIndex; } } }
    public ulong LastIndex { get { lock (_store.Gate) { CheckUsable(); return _view.LastIndex; } } }

    public void Save(JournalBatch batch)
    {
        lock (_store.Gate)
        {
            CheckUsable();
            var plan = _view.Plan(batch, StoredTerm);
            // Read the payload before touching the store so a failing stream changes nothing.
            byte[]? payload = null;
            if (plan.Snapshot is not null)
            {
                using var copy = new MemoryStream();
                batch.OpenSnapshotPayload().CopyTo(copy);
                payload = copy.ToArray();
            }
            CheckWritable();
            if (plan.Snapshot is not null)
            {
                _store.Snapshot = plan.Snapshot;
                _store.SnapshotPayload = payload!;
            }
            if (plan.DiscardLog) _store.Entries.Clear();
            if (plan.TruncateFrom is { } from) _store.Entries.RemoveRange(Offset(from), _store.Entries.Count - Offset(from));
            _store.Entries.AddRange(plan.Entries);
            if (plan.HardState is { } hs) _store.HardState = hs;
            _store.Base = plan.Base;
            _view.Apply(plan);
        }
    }

    public IReadOnlyList<Entry> Entries(ulong lo, ulong hi, ulong maxBytes = ulong.MaxValue)
    {
        lock (_store.Gate)
        {
            CheckUsable();
            _view.CheckRange(lo, hi);
            var result = new List<Entry>();
            ulong total = 0;
            for (var i = lo; i < hi; i++)
            {
                var e = _store.Entries[Offset(i)];
                total += (ulong)e.Size;
                if (result.Count > 0 && total > maxBytes) break;
                result.Add(e);
            }
            return result;
        }
    }

    public ulong Term(ulong index)
    {
        lock (_store.Gate)
        {
            CheckUsable();
            return _view.CheckTermIndex(index) ? _view.Base.Term : StoredTerm(index);
        }
    }

    public void Compact(ulong upToIndex)
    {
        lock (_store.Gate)
        {
            CheckUsable();
            if (_view.PlanCompaction(upToIndex, StoredTerm) is not { } newBase) return;
            CheckWritable();
            _store.Entries.RemoveRange(0, Offset(upToIndex) + 1);
            _store.Base = newBase;
            _view.ApplyCompaction(newBase);
        }
    }

    public JournalSnapshot? OpenSnapshot()
    {
        lock (_store.Gate)
        {
            CheckUsable();
            if (_store.Snapshot.Index == 0) return null;
            // The stored array is replaced, never written into, so the reader keeps a stable view.
            var payload = _store.SnapshotPayload;
            return new JournalSnapshot(_store.Snapshot, payload.Length, new MemoryStream(payload, writable: false));
        }
    }

    public byte[]? GetMeta(string key)
    {
        JournalView.CheckMetaKey(key);
        lock (_store.Gate)
        {
            CheckUsable();
            return _store.Meta.TryGetValue(key, out var value) ? (byte[])value.Clone() : null;
        }
    }

    public void SetMeta(string key, ReadOnlySpan<byte> value)
    {
        JournalView.CheckMetaKey(key);
        JournalView.CheckMetaValue(value);
        lock (_store.Gate)
        {
            CheckUsable();
            CheckWritable();
            _store.Meta[key] = value.ToArray();
        }
    }

    public bool RemoveMeta(string key)
    {
        JournalView.CheckMetaKey(key);
        lock (_store.Gate)
        {
            CheckUsable();
            CheckWritable();
            return _store.Meta.Remove(key);
        }
    }

    public void Dispose()
    {
        lock (_store.Gate)
        {
            if (_disposed) return;
            _disposed = true;
            _store.IsOpen = false;
        }
    }

    private int Offset(ulong index) => checked((int)(index - _store.Base.Index - 1));

    private ulong StoredTerm(ulong index) => _store.Entries[Offset(index)].Term;

    private void CheckUsable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null) throw new JournalWriteException($"journal {_store.Name} failed earlier and refuses further use", _failure);
    }

    private void CheckWritable()
    {
        if (!_store.FailWrites) return;
        _failure = new JournalWriteException($"write to journal {_store.Name} failed", new IOException("simulated disk failure"));
        throw _failure;
    }
}
