using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Serialization;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using Xunit.Abstractions;
using static RaftActors.Actors.Tests.Remote.FuzzInputs;

namespace RaftActors.Actors.Tests.Remote;

using Akka.Actor;
using Akka.Serialization;

/// <summary>
/// A deterministic fuzz run over RaftSerializer.FromBinary for every manifest (and the peer body decoders): a
/// million inputs made from valid encodings by the mutations of <see cref="FuzzInputs"/>, plus every truncation
/// of a sample of valid encodings. Each input must decode or throw <see cref="SerializationException"/> caused by
/// a <see cref="CodecException"/> (anything else would tear down an Akka.Remote association), and must not
/// allocate more than a small multiple of its own size. The seed is printed; <c>RAFT_FUZZ_SEED</c> replays it and
/// <c>RAFT_FUZZ_INPUTS</c> changes the count.
/// </summary>
public sealed class SerializerFuzzTests(ITestOutputHelper output)
{
    private const int DefaultInputs = 1_000_000;
    private const int BlockSize = 10_000;
    private const int SamplesPerTarget = 40;
    private const int TruncatedSamplesPerTarget = 8;

    // A decoded value holds at most this many bytes of objects per input byte (Entry objects and ConfState's
    // sorting dominate), plus a fixed allowance for the exception; never anything a declared length asks for.
    private const long AllocationPerInputByte = 128;
    private const long AllocationAllowance = 64 * 1024;

    private sealed record Target(string Name, Func<Random, byte[]> Sample, Func<byte[], object> Decode, bool ThroughSerializer);

    private sealed record Failure(string Target, long Input, string Detail);

    [Fact]
    public void A_million_hostile_inputs_each_decode_or_give_a_SerializationException()
    {
        var seed = Read("RAFT_FUZZ_SEED") ?? Random.Shared.Next(1, int.MaxValue);
        var inputs = Read("RAFT_FUZZ_INPUTS") ?? DefaultInputs;
        var clock = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        using var system = ActorSystem.Create("fuzz", RaftSerialization.Configuration);
        var serializer = (SerializerWithStringManifest)system.Serialization.FindSerializerForType(typeof(PeerFrame));
        var targets = Targets(serializer);
        var corpusRandom = new Random(seed);
        var samples = targets.Select(t => Enumerable.Range(0, SamplesPerTarget).Select(_ => t.Sample(corpusRandom)).ToArray()).ToArray();

        var failures = new ConcurrentQueue<Failure>();
        var perTarget = new long[targets.Length];
        long decoded = 0, refused = 0, largestAllocation = 0;

        // Every truncation of a sample of valid encodings: each must be refused, never read as a shorter value.
        for (var t = 0; t < targets.Length; t++)
        {
            foreach (var valid in samples[t].Take(TruncatedSamplesPerTarget))
            {
                for (var length = 0; length < valid.Length; length++)
                {
                    if (Run(targets[t], valid[..length], out _) is { } outcome && outcome != Outcome.Refused)
                        failures.Enqueue(new Failure(targets[t].Name, -length, $"truncation to {length} of {Hex(valid)}: {outcome}"));
                    perTarget[t]++;
                }
            }
        }
        var truncations = perTarget.Sum();

        // The serializer's manifests get `inputs`; the body decoders a tenth as many on top.
        var serializerTargets = targets.Count(t => t.ThroughSerializer);
        var bodyTargets = targets.Length - serializerTargets;
        var all = inputs + inputs / 10;
        var blocks = (all + BlockSize - 1) / BlockSize;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, block =>
        {
            // Each block has its own generator from (seed, block): the run is the same whatever the scheduling.
            var random = new Random(HashCode.Combine(seed, block) ^ block);
            long blockDecoded = 0, blockRefused = 0, blockLargest = 0;
            var counts = new long[targets.Length];
            for (var i = block * BlockSize; i < Math.Min(all, (block + 1) * BlockSize); i++)
            {
                var t = i < inputs ? i % serializerTargets : serializerTargets + i % bodyTargets;
                var valid = samples[t][random.Next(SamplesPerTarget)];
                var other = samples[(t + 1 + random.Next(targets.Length - 1)) % targets.Length][random.Next(SamplesPerTarget)];
                var mutation = Pick(random);
                var input = Make(random, mutation, valid, other);
                var before = GC.GetAllocatedBytesForCurrentThread();
                var outcome = Run(targets[t], input, out var detail);
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                counts[t]++;
                if (outcome == Outcome.Decoded) blockDecoded++;
                else if (outcome == Outcome.Refused) blockRefused++;
                else failures.Enqueue(new Failure(targets[t].Name, i, $"{mutation} {Hex(input)}: {detail}"));
                if (mutation == Mutation.Valid && outcome != Outcome.Decoded) failures.Enqueue(new Failure(targets[t].Name, i, $"valid input refused: {detail}"));
                var excess = allocated - AllocationAllowance - AllocationPerInputByte * input.Length;
                if (excess > 0) failures.Enqueue(new Failure(targets[t].Name, i, $"{mutation} allocated {allocated} bytes for {input.Length}: {Hex(input)}"));
                blockLargest = Math.Max(blockLargest, allocated);
            }
            Interlocked.Add(ref decoded, blockDecoded);
            Interlocked.Add(ref refused, blockRefused);
            for (var t = 0; t < targets.Length; t++) Interlocked.Add(ref perTarget[t], counts[t]);
            InterlockedMax(ref largestAllocation, blockLargest);
        });

        var total = perTarget.Take(serializerTargets).Sum();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"serializer fuzz: seed={seed}, inputs={total}, by manifest {string.Join(' ', targets.Select((t, i) => $"{t.Name}={perTarget[i]}"))}, " +
            $"truncations={truncations}, decoded={decoded}, refused={refused}, largest allocation={largestAllocation} B, " +
            $"failures={failures.Count}, {clock.Elapsed.TotalSeconds:F1} s ({(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F1} s of CPU)"));
        Assert.True(total >= inputs, $"ran {total} inputs, fewer than {inputs}");
        Assert.True(failures.IsEmpty, $"seed {seed} (replay with RAFT_FUZZ_SEED={seed}): {failures.Count} failures, first ones:\n"
            + string.Join('\n', failures.Take(10).Select(f => $"{f.Target} #{f.Input}: {f.Detail}")));
    }

    private enum Outcome
    {
        Decoded,
        Refused,
        WrongException,
    }

    private static Outcome Run(Target target, byte[] input, out string detail)
    {
        detail = "";
        try
        {
            target.Decode(input);
            return Outcome.Decoded;
        }
        catch (SerializationException e) when (target.ThroughSerializer && e.InnerException is CodecException or null)
        {
            return Outcome.Refused;
        }
        catch (CodecException) when (!target.ThroughSerializer)
        {
            return Outcome.Refused;
        }
        catch (Exception e)
        {
            detail = $"{e.GetType().Name} ({e.InnerException?.GetType().Name}): {e.Message}";
            return Outcome.WrongException;
        }
    }

    private static Target[] Targets(SerializerWithStringManifest serializer)
    {
        Target Manifest(string manifest, Func<Random, object> value) =>
            new(manifest, r => serializer.ToBinary(value(r)), bytes => serializer.FromBinary(bytes, manifest), ThroughSerializer: true);

        return
        [
            Manifest(RaftSerializer.PeerFrameManifest, Frame),
            Manifest(RaftSerializer.ReadyPersistedManifest, Ready),
            Manifest(RaftSerializer.NodeIncarnatedManifest, Incarnated),
            Manifest(RaftSerializer.AddressesChangedManifest, Addresses),
            Manifest(RaftSerializer.RaftActorSnapshotManifest, ActorSnapshot),
            new("body:messages", RaftMessagesBody, b => PeerBodyCodec.DecodeRaftMessages(b), ThroughSerializer: false),
            new("body:chunk", ChunkBody, b => PeerBodyCodec.DecodeSnapshotChunk(b), ThroughSerializer: false),
            new("body:ack", AckBody, b => PeerBodyCodec.DecodeSnapshotAck(b), ThroughSerializer: false),
            new("body:forward", ForwardBody, b => ForwardCodec.Decode(b), ThroughSerializer: false),
            // As the inbox reads a batch: the batch, then each forward in it.
            new("body:forward-batch", ForwardBatchBody, b => PeerBodyCodec.DecodeForwardBatch(b).Select(f => ForwardCodec.Decode(f.Span)).ToArray(),
                ThroughSerializer: false),
        ];
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 96))) + (bytes.Length > 96 ? $"…({bytes.Length} bytes)" : "");

    private static int? Read(string name)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a positive integer, not '{text}'");
    }
}
