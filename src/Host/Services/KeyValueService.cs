using System.Buffers;
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

    /// <summary>
    /// The capture is the records themselves, copied by reference into a pooled array between two applies: a record is
    /// never changed once stored (a set stores a new one), so the array is the state at the capture's index however
    /// the map changes afterwards. Their JSON is written by the returned writer, off the ServiceActor's loop. Writing
    /// the JSON here, as the default capture does, held up applying for the whole encoding: about a second for a few
    /// hundred thousand keys, every snapshot interval.
    /// </summary>
    public ValueTask<SnapshotWriter> CaptureSnapshotAsync(CancellationToken cancellationToken)
    {
        var count = _store.Count;
        var records = ArrayPool<KvRecord>.Shared.Rent(count);
        _store.Values.CopyTo(records, 0);
        return ValueTask.FromResult<SnapshotWriter>(async (destination, ct) =>
        {
            try
            {
                await WriteRecordsAsync(records.AsMemory(0, count), destination, ct).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<KvRecord>.Shared.Return(records, clearArray: true);
            }
        });
    }

    /// <summary>One record per line, so a large map streams without being held twice in memory.</summary>
    public ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken) =>
        WriteRecordsAsync(_store.Values.ToArray(), destination, cancellationToken);

    private const int SnapshotFlushBytes = 64 * 1024;

    /// <summary>Encodes the records as JSON lines into one buffer, handed to the stream every 64 KiB.</summary>
    private static async ValueTask WriteRecordsAsync(ReadOnlyMemory<KvRecord> records, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(SnapshotFlushBytes + 4096);
        using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = HostJson.Default.Options.Encoder, SkipValidation = true });
        for (var i = 0; i < records.Length; i++)
        {
            JsonSerializer.Serialize(json, records.Span[i], HostJson.Default.KvRecord);
            json.Flush();
            json.Reset();
            buffer.Write("\n"u8);
            if (buffer.WrittenCount < SnapshotFlushBytes) continue;
            await destination.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            buffer.ResetWrittenCount();
        }
        if (buffer.WrittenCount > 0) await destination.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
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
