using BenchmarkDotNet.Attributes;
using RaftActors.Core.Storage;
using RaftActors.Messages;

namespace RaftActors.Core.Bench;

/// <summary>
/// Proposals committed through a 3-node in-process cluster, one at a time and 64 per Ready cycle,
/// with a 128-byte payload; every figure is per proposal (OperationsPerInvoke). The baseline encodes
/// one proposal message with the wire codec, so a proposal's cost reads as "N codec encodes".
/// </summary>
[MemoryDiagnoser]
public class ProposalBenchmarks
{
    private const int Batch = 64;
    private static readonly byte[] Payload = new byte[128];

    private InProcessCluster _cluster = null!;
    private MemoryStorage _storage = null!;
    private ulong _storageIndex;
    private long _proposed;

    [GlobalSetup]
    public void Setup()
    {
        _cluster = new InProcessCluster();
        _storage = new MemoryStorage();
        _storageIndex = 0;
        _proposed = 0;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // Every proposal measured must have been committed, or the figures mean nothing.
        if (_proposed > 0 && _cluster.CommittedProposals != _proposed)
        {
            throw new InvalidOperationException($"{_proposed} proposed but {_cluster.CommittedProposals} committed");
        }
    }

    [Benchmark(Baseline = true, Description = "codec encode of one proposal")]
    public byte[] EncodeProposal() => RaftCodec.Encode(new RaftMessage
    {
        Type = MessageType.Propose, From = 1, To = 1, Entries = [new Entry(0, 0, EntryType.Normal, Payload)],
    });

    [Benchmark(OperationsPerInvoke = Batch, Description = "MemoryStorage.Append, 64 entries")]
    public void StorageAppend()
    {
        var entries = new Entry[Batch];
        for (var i = 0; i < Batch; i++) entries[i] = new Entry(1, ++_storageIndex, EntryType.Normal, Payload);
        _storage.Append(entries);
        if (_storageIndex % 65536 == 0) _storage.Compact(_storageIndex - 1024);
    }

    [Benchmark(Description = "commit through 3 nodes, 1 per Ready")]
    public void ProposeOneByOne()
    {
        _cluster.Leader.Propose(Payload);
        _proposed++;
        _cluster.RunUntilQuiet();
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "commit through 3 nodes, 64 per Ready")]
    public void ProposeBatch()
    {
        for (var i = 0; i < Batch; i++) _cluster.Leader.Propose(Payload);
        _proposed += Batch;
        _cluster.RunUntilQuiet();
    }
}
