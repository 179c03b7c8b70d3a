using System.Buffers.Binary;
using RaftActors.Actors;

namespace RaftActors.Node.Bench;

/// <summary>
/// A minimal service: each command overwrites one of 1,024 slots with its payload and returns the slot's
/// previous length. The state stays small, so snapshots (every 10,000 entries by default) are cheap and the
/// figures measure the replication path, not the service.
/// </summary>
internal sealed class BenchService : IService
{
    private const int Slots = 1024;
    private readonly byte[][] _slots = Enumerable.Repeat(Array.Empty<byte>(), Slots).ToArray();

    public string Namespace => "bench";

    public ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(request.ToArray());

    public byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command)
    {
        var slot = (int)(BinaryPrimitives.ReadUInt32LittleEndian(command) % Slots);
        var previous = _slots[slot].Length;
        _slots[slot] = command.ToArray();
        var reply = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(reply, previous);
        return reply;
    }

    public byte[] Query(ReadOnlySpan<byte> query) => _slots[(int)(BinaryPrimitives.ReadUInt32LittleEndian(query) % Slots)];

    public byte[] GetInit() => [];

    public async ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken)
    {
        var length = new byte[4];
        foreach (var slot in _slots)
        {
            BinaryPrimitives.WriteInt32LittleEndian(length, slot.Length);
            await destination.WriteAsync(length, cancellationToken).ConfigureAwait(false);
            await destination.WriteAsync(slot, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask RestoreSnapshotAsync(Stream source, CancellationToken cancellationToken)
    {
        var length = new byte[4];
        for (var i = 0; i < Slots; i++)
        {
            await source.ReadExactlyAsync(length, cancellationToken).ConfigureAwait(false);
            var slot = new byte[BinaryPrimitives.ReadInt32LittleEndian(length)];
            await source.ReadExactlyAsync(slot, cancellationToken).ConfigureAwait(false);
            _slots[i] = slot;
        }
    }
}
