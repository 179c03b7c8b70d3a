using System.Text;
using System.Text.Json;
using RaftActors.Actors;
using RaftActors.Host.Api;

namespace RaftActors.Host.Services;

/// <summary>
/// The eosc demo service: a replicated map of strings. Its prepare hook stamps the leader's clock into
/// the command, so the stamp is part of the log and every node stores the same one (eosc appended the
/// time to the value; keeping it apart is the same idea without mangling the value).
/// </summary>
internal sealed class KeyValueService(TimeProvider clock) : IService
{
    public const string Name = "kv";
    public const int MaxKeyLength = 1024;

    // Touched only by the ServiceActor (Apply, Query, snapshots, GetInit), one call at a time.
    private Dictionary<string, KvRecord> _store = new(StringComparer.Ordinal);

    public string Namespace => Name;

    public ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        KvRequest? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(request.Span, HostJson.Default.KvRequest);
        }
        catch (JsonException ex)
        {
            throw new ServiceRejectedException($"the request is not valid JSON: {ex.Message}", ex);
        }
        if (parsed is null) throw new ServiceRejectedException("the request is empty");
        var command = parsed.Op switch
        {
            "init" => parsed with { Records = parsed.Records ?? [] },
            null or "set" => ValidateSet(parsed) with { Op = "set", Stamp = clock.GetUtcNow().ToUnixTimeMilliseconds() },
            _ => throw new ServiceRejectedException($"unknown operation '{parsed.Op}': use set"),
        };
        return ValueTask.FromResult(JsonSerializer.SerializeToUtf8Bytes(command, HostJson.Default.KvRequest));
    }

    private static KvRequest ValidateSet(KvRequest request)
    {
        if (string.IsNullOrEmpty(request.Key)) throw new ServiceRejectedException("'key' is required and must not be empty");
        if (request.Key.Length > MaxKeyLength) throw new ServiceRejectedException($"'key' is longer than {MaxKeyLength} characters");
        if (request.Value is null) throw new ServiceRejectedException("'value' is required");
        return request;
    }

    public byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command)
    {
        // Commands come from the log, written by PrepareAsync; anything else would be a bug, and applying
        // nothing keeps every node identical rather than stopping the cluster on it.
        KvRequest? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(command, HostJson.Default.KvRequest);
        }
        catch (JsonException)
        {
            return [];
        }
        switch (parsed)
        {
            case { Op: "set", Key: { } key, Value: { } value }:
                var record = new KvRecord(key, value, parsed.Stamp, context.Index);
                _store[key] = record;
                return JsonSerializer.SerializeToUtf8Bytes(record, HostJson.Default.KvRecord);
            case { Op: "init", Records: { } records }:
                _store = records.ToDictionary(r => r.Key, StringComparer.Ordinal);
                return [];
            default:
                return [];
        }
    }

    /// <summary>The query is the key in UTF-8; the answer is the record as JSON, or nothing.</summary>
    public byte[] Query(ReadOnlySpan<byte> query) =>
        _store.TryGetValue(Encoding.UTF8.GetString(query), out var record)
            ? JsonSerializer.SerializeToUtf8Bytes(record, HostJson.Default.KvRecord)
            : [];

    public byte[] GetInit() =>
        JsonSerializer.SerializeToUtf8Bytes(new KvRequest { Op = "init", Records = [.. _store.Values] }, HostJson.Default.KvRequest);

    /// <summary>One record per line, so a large map streams without being held twice in memory.</summary>
    public async ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken)
    {
        foreach (var record in _store.Values)
        {
            await JsonSerializer.SerializeAsync(destination, record, HostJson.Default.KvRecord, cancellationToken).ConfigureAwait(false);
            destination.WriteByte((byte)'\n');
        }
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask RestoreSnapshotAsync(Stream source, CancellationToken cancellationToken)
    {
        var store = new Dictionary<string, KvRecord>(StringComparer.Ordinal);
        using var reader = new StreamReader(source, Encoding.UTF8, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0) continue;
            var record = JsonSerializer.Deserialize(line, HostJson.Default.KvRecord)
                ?? throw new InvalidDataException("a snapshot line of the key-value service is empty JSON");
            store[record.Key] = record;
        }
        _store = store;
    }
}
