using System.Globalization;
using System.Text;
using RaftActors.Actors;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// A key-value service that counts what it applies, for scenario tests. Commands: <c>set key value</c>
/// (replies with the previous value) and <c>add key n tag</c> (replies with the new sum: not idempotent,
/// so a command applied twice shows in the sums). Every command text is unique in the tests, so
/// <see cref="TimesApplied"/> of it is how often this instance applied that request. The counts are not
/// part of snapshots: they count this instance's own <see cref="Apply"/> calls.
/// </summary>
internal sealed class LedgerService : IService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _applications = new(StringComparer.Ordinal);
    private ulong _lastIndex;

    public string Namespace => "ledger";

    public int Restores { get; private set; }

    /// <summary>How many entries this instance applied one by one (not counting what a snapshot restored).</summary>
    public int Applied { get; private set; }

    /// <summary>Set when an entry arrived at or below the index of one applied before: log order was broken.</summary>
    public string? OrderViolation { get; private set; }

    public static byte[] Set(string key, string value) => Encoding.UTF8.GetBytes($"set {key} {value}");

    public static byte[] Add(string key, int amount, string tag) => Encoding.UTF8.GetBytes($"add {key} {amount} {tag}");

    public ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(request.Span);
        if (!text.StartsWith("set ", StringComparison.Ordinal) && !text.StartsWith("add ", StringComparison.Ordinal))
        {
            throw new ServiceRejectedException($"unknown command '{text}'");
        }
        return ValueTask.FromResult(request.ToArray());
    }

    public byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command)
    {
        var text = Encoding.UTF8.GetString(command);
        var parts = text.Split(' ');
        lock (_gate)
        {
            if (context.Index <= _lastIndex) OrderViolation ??= $"entry {context.Index} applied after entry {_lastIndex}";
            _lastIndex = context.Index;
            Applied++;
            _applications[text] = _applications.GetValueOrDefault(text) + 1;
            _data.TryGetValue(parts[1], out var previous);
            if (parts[0] == "set")
            {
                _data[parts[1]] = parts[2];
                return Encoding.UTF8.GetBytes(previous ?? "");
            }
            var sum = int.Parse(previous ?? "0", CultureInfo.InvariantCulture) + int.Parse(parts[2], CultureInfo.InvariantCulture);
            _data[parts[1]] = sum.ToString(CultureInfo.InvariantCulture);
            return Encoding.UTF8.GetBytes(_data[parts[1]]);
        }
    }

    public byte[] Query(ReadOnlySpan<byte> query)
    {
        lock (_gate) return Encoding.UTF8.GetBytes(_data.GetValueOrDefault(Encoding.UTF8.GetString(query), ""));
    }

    public string? Get(string key)
    {
        lock (_gate) return _data.GetValueOrDefault(key);
    }

    public int TimesApplied(byte[] command)
    {
        lock (_gate) return _applications.GetValueOrDefault(Encoding.UTF8.GetString(command));
    }

    /// <summary>The whole state as one sorted text, to compare nodes.</summary>
    public string Dump()
    {
        lock (_gate) return string.Join(';', _data.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
    }

    public byte[] GetInit() => [];

    public async ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken)
    {
        string text;
        lock (_gate) text = string.Join('\n', _data.Select(p => $"{p.Key}={p.Value}"));
        await destination.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
    }

    public async ValueTask RestoreSnapshotAsync(Stream source, CancellationToken cancellationToken)
    {
        var text = await Support.KeyValueLines.ReadAllAsync(source, cancellationToken);
        lock (_gate)
        {
            Support.KeyValueLines.ParseInto(text, _data);
            // Entries after the snapshot continue from its index, not from what this instance applied before.
            _lastIndex = 0;
            Restores++;
        }
    }
}
