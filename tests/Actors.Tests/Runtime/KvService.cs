using System.Text;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// A small key-value service: "set k v" stores and answers "index:k=v" (so two applications of the
/// same command answer differently), "fail" throws, Query "get k" answers the value ("" when unset),
/// and snapshots are "k=v" lines. Thread-safe so tests may look at it while the actor runs.
/// </summary>
internal sealed class KvService(string ns = "kv") : IService
{
    private readonly object _gate = new();
    private readonly SortedDictionary<string, string> _data = new(StringComparer.Ordinal);
    private int _applied;

    public string Namespace => ns;

    /// <summary>Makes WriteSnapshotAsync throw, to test a failing snapshot.</summary>
    public bool FailSnapshots { get; set; }

    /// <summary>
    /// Makes the snapshot hooks finish on another thread, as a service writing to a file or a socket does, so
    /// that whatever awaits them resumes asynchronously.
    /// </summary>
    public bool AsyncSnapshots { get; set; }

    /// <summary>How many commands Apply has run.</summary>
    public int AppliedCount { get { lock (_gate) return _applied; } }

    public IReadOnlyDictionary<string, string> Data { get { lock (_gate) return new Dictionary<string, string>(_data); } }

    public ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken) => new(request.ToArray());

    public byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command)
    {
        var parts = Encoding.UTF8.GetString(command).Split(' ', 3);
        if (parts[0] == "fail") throw new InvalidOperationException("the service was told to fail");
        if (parts is not ["set", var key, var value]) throw new InvalidOperationException($"bad command '{string.Join(' ', parts)}'");
        lock (_gate)
        {
            _data[key] = value;
            _applied++;
        }
        return Encoding.UTF8.GetBytes($"{context.Index}:{key}={value}");
    }

    public byte[] Query(ReadOnlySpan<byte> query)
    {
        var parts = Encoding.UTF8.GetString(query).Split(' ', 2);
        if (parts is not ["get", var key]) throw new ArgumentException($"bad query '{string.Join(' ', parts)}'");
        lock (_gate) return Encoding.UTF8.GetBytes(_data.GetValueOrDefault(key, ""));
    }

    public byte[] GetInit()
    {
        lock (_gate) return Encoding.UTF8.GetBytes(Text());
    }

    public async ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken)
    {
        if (FailSnapshots) throw new IOException("snapshot refused for the test");
        if (AsyncSnapshots) await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        string text;
        lock (_gate) text = Text();
        await destination.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
    }

    public async ValueTask RestoreSnapshotAsync(Stream source, CancellationToken cancellationToken)
    {
        if (AsyncSnapshots) await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        var text = await Support.KeyValueLines.ReadAllAsync(source, cancellationToken);
        lock (_gate)
        {
            Support.KeyValueLines.ParseInto(text, _data);
        }
    }

    private string Text() => string.Concat(_data.Select(p => $"{p.Key}={p.Value}\n"));
}
