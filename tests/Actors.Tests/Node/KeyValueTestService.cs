using System.Text;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Node;

/// <summary>A key-value service for node tests: "set k v" → previous value; query "k" → value.</summary>
internal sealed class KeyValueTestService : IService
{
    private readonly Dictionary<string, string> _data = new(StringComparer.Ordinal);

    public string Namespace => "kv";

    public int Applied { get; private set; }

    /// <summary>How many snapshots were restored into this instance (from its journal or from the leader).</summary>
    public int Restores { get; private set; }

    public int Count
    {
        get
        {
            lock (_data) return _data.Count;
        }
    }

    /// <summary>A copy of the whole state.</summary>
    public Dictionary<string, string> Dump()
    {
        lock (_data) return new Dictionary<string, string>(_data, StringComparer.Ordinal);
    }

    /// <summary>Whether every expected key holds its expected value.</summary>
    public bool Holds(IReadOnlyDictionary<string, string> expected) => Missing(expected) == 0;

    public int Missing(IReadOnlyDictionary<string, string> expected)
    {
        lock (_data) return expected.Count(p => !_data.TryGetValue(p.Key, out var v) || v != p.Value);
    }

    public ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(request.Span);
        if (!text.StartsWith("set ", StringComparison.Ordinal)) throw new ServiceRejectedException($"unknown command '{text}'");
        return ValueTask.FromResult(request.ToArray());
    }

    public byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command)
    {
        var parts = Encoding.UTF8.GetString(command).Split(' ', 3);
        lock (_data)
        {
            _data.TryGetValue(parts[1], out var previous);
            _data[parts[1]] = parts[2];
            Applied++;
            return Encoding.UTF8.GetBytes(previous ?? "");
        }
    }

    public byte[] Query(ReadOnlySpan<byte> query)
    {
        lock (_data) return Encoding.UTF8.GetBytes(_data.GetValueOrDefault(Encoding.UTF8.GetString(query), ""));
    }

    public string? Get(string key)
    {
        lock (_data) return _data.GetValueOrDefault(key);
    }

    public byte[] GetInit() => [];

    public async ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken)
    {
        string text;
        lock (_data) text = string.Join('\n', _data.Select(p => $"{p.Key}={p.Value}"));
        await destination.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
    }

    public async ValueTask RestoreSnapshotAsync(Stream source, CancellationToken cancellationToken)
    {
        var text = await Support.KeyValueLines.ReadAllAsync(source, cancellationToken);
        lock (_data)
        {
            Restores++;
            Support.KeyValueLines.ParseInto(text, _data);
        }
    }
}
