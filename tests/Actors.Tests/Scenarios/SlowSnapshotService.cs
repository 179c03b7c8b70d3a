using System.Buffers.Binary;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// A service whose snapshot is slow to store, like a large state on a slow disk: its writer emits
/// <see cref="Chunks"/> chunks of 64 KiB, each after <see cref="ChunkDelay"/>, so one snapshot takes
/// <c>Chunks × ChunkDelay</c> however fast the machine is. Its state (a count of commands applied) is
/// captured in O(1), so the slow writer runs off the ServiceActor, on the captured value.
/// </summary>
internal sealed class SlowSnapshotService : IService
{
    private const int ChunkBytes = 64 * 1024;
    private long _counter;
    private int _writing;
    private int _written;

    public int Chunks { get; init; } = 16;

    public TimeSpan ChunkDelay { get; init; } = TimeSpan.FromMilliseconds(150);

    public string Namespace => "slow";

    public long Counter => Interlocked.Read(ref _counter);

    /// <summary>Whether a snapshot writer is running now.</summary>
    public bool Writing => Volatile.Read(ref _writing) > 0;

    /// <summary>How many snapshot writers ran to the end.</summary>
    public int Written => Volatile.Read(ref _written);

    public int Restores { get; private set; }

    /// <summary>The counter the last restored snapshot held.</summary>
    public long RestoredCounter { get; private set; } = -1;

    public ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken) => ValueTask.FromResult(request.ToArray());

    public byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command) => BitConverter.GetBytes(Interlocked.Increment(ref _counter));

    public byte[] Query(ReadOnlySpan<byte> query) => BitConverter.GetBytes(Counter);

    public byte[] GetInit() => [];

    public ValueTask<SnapshotWriter> CaptureSnapshotAsync(CancellationToken cancellationToken)
    {
        var captured = Counter;
        return ValueTask.FromResult<SnapshotWriter>((destination, ct) => WriteSlowlyAsync(captured, destination, ct));
    }

    public async ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken) =>
        await WriteSlowlyAsync(Counter, destination, cancellationToken);

    public async ValueTask RestoreSnapshotAsync(Stream source, CancellationToken cancellationToken)
    {
        var head = new byte[8];
        await source.ReadExactlyAsync(head, cancellationToken);
        var chunk = new byte[ChunkBytes];
        for (var i = 0; i < Chunks; i++)
        {
            await source.ReadExactlyAsync(chunk, cancellationToken);
            if (chunk.Any(b => b != (byte)i)) throw new InvalidDataException($"chunk {i} of the snapshot is damaged");
        }
        var counter = BinaryPrimitives.ReadInt64LittleEndian(head);
        Interlocked.Exchange(ref _counter, counter);
        RestoredCounter = counter;
        Restores++;
    }

    private async ValueTask WriteSlowlyAsync(long counter, Stream destination, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writing);
        try
        {
            var head = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(head, counter);
            await destination.WriteAsync(head, cancellationToken);
            for (var i = 0; i < Chunks; i++)
            {
                await Task.Delay(ChunkDelay, cancellationToken);
                var chunk = new byte[ChunkBytes];
                Array.Fill(chunk, (byte)i);
                await destination.WriteAsync(chunk, cancellationToken);
            }
            Interlocked.Increment(ref _written);
        }
        finally
        {
            Interlocked.Decrement(ref _writing);
        }
    }
}
