using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RaftActors.Actors.Transport;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Transport;

/// <summary>A hand-driven client socket for sending hostile bytes to a listener.</summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly TcpClient _client = new() { NoDelay = true };

    public NetworkStream Stream => _client.GetStream();

    public static async Task<RawPeer> ConnectAsync(IPEndPoint endPoint)
    {
        var peer = new RawPeer();
        await peer._client.ConnectAsync(endPoint);
        return peer;
    }

    /// <summary>Connects and completes a genuine handshake as <paramref name="options"/>' node.</summary>
    public static async Task<RawPeer> AuthenticatedAsync(IPEndPoint endPoint, TransportOptions options, ulong listenerId)
    {
        var peer = await ConnectAsync(endPoint);
        await Handshake.DialAsync(peer.Stream, options, listenerId, CancellationToken.None);
        return peer;
    }

    public static byte[] Frame(params RaftMessage[] messages)
    {
        using var writer = new PooledBufferWriter();
        FrameCodec.BeginBatch(writer);
        foreach (var m in messages) FrameCodec.AppendMessage(writer, m);
        FrameCodec.EndBatch(writer, messages.Length);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A frame whose CRC is right for whatever payload it carries.</summary>
    public static byte[] FrameOf(byte[] payload)
    {
        var frame = new byte[FrameCodec.HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Crc32C.Compute(payload));
        payload.CopyTo(frame, FrameCodec.HeaderSize);
        return frame;
    }

    public async Task SendAsync(byte[] bytes)
    {
        try
        {
            await Stream.WriteAsync(bytes);
        }
        catch (IOException)
        {
            // The listener may already have closed on us; what matters is that it did.
        }
    }

    /// <summary>True when the listener has closed this connection before the deadline (a read ends or fails).</summary>
    public async Task<bool> WasClosedAsync(TimeSpan? deadline = null)
    {
        using var cts = new CancellationTokenSource(deadline ?? TransportTestKit.Deadline);
        var buffer = new byte[256];
        try
        {
            while (await Stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
