using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using RaftActors.Actors.Transport;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Transport;

/// <summary>Small helpers shared by the transport tests: options, recording handlers, polling with a deadline.</summary>
internal static class TransportTestKit
{
    public static readonly byte[] Secret = RandomNumberGenerator.GetBytes(32);
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static TransportOptions Options(ulong nodeId, byte[]? secret = null, string cluster = "test-cluster") => new()
    {
        ClusterId = cluster,
        NodeId = nodeId,
        Secret = secret ?? Secret,
        BackoffMin = TimeSpan.FromMilliseconds(20),
        BackoffMax = TimeSpan.FromMilliseconds(200),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
    };

    public static RaftMessage Heartbeat(ulong from, ulong to, ulong term) =>
        new() { Type = MessageType.Heartbeat, From = from, To = to, Term = term, Commit = term };

    public static IPEndPoint Loopback => new(IPAddress.Loopback, 0);

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes; never used to wait a fixed time.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? Deadline);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }
}

/// <summary>Records everything a listener delivers.</summary>
internal sealed class RecordingInbox
{
    private readonly ConcurrentQueue<(ulong From, RaftMessage Message)> _messages = new();
    private int _batches;

    public IReadOnlyList<RaftMessage> Messages => _messages.Select(m => m.Message).ToList();
    public IReadOnlyList<ulong> Senders => _messages.Select(m => m.From).ToList();
    public int Count => _messages.Count;
    public int Batches => Volatile.Read(ref _batches);

    public ValueTask OnMessages(ulong from, IReadOnlyList<RaftMessage> messages, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _batches);
        foreach (var m in messages) _messages.Enqueue((from, m));
        return ValueTask.CompletedTask;
    }
}

/// <summary>Collects log lines so tests can check that a disconnection was logged with its reason.</summary>
internal sealed class RecordingLog : ITransportLog
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public void Log(TransportLogLevel level, string message) => _lines.Enqueue($"{level}: {message}");

    public bool Contains(string text) => _lines.Any(l => l.Contains(text, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A listener plus what it received, disposed together.</summary>
internal sealed class TestListener : IAsyncDisposable
{
    public TestListener(TransportOptions options, ISnapshotSink? sink = null, IPEndPoint? endPoint = null,
        Func<ulong, ReadOnlyMemory<byte>, CancellationToken, ValueTask>? onForward = null)
    {
        Listener = new PeerListener(options, endPoint ?? TransportTestKit.Loopback, Inbox.OnMessages, sink ?? new HashingSnapshotSink(), Log,
            onForward: onForward);
        Listener.Start();
    }

    public RecordingInbox Inbox { get; } = new();
    public RecordingLog Log { get; } = new();
    public PeerListener Listener { get; }
    public IPEndPoint EndPoint => Listener.EndPoint;

    public ValueTask DisposeAsync() => Listener.DisposeAsync();
}

/// <summary>A sender plus the reachability changes it reported.</summary>
internal sealed class TestSender : IAsyncDisposable
{
    private readonly ConcurrentQueue<bool> _reachability = new();

    public TestSender(TransportOptions options, ulong peer, EndPoint address, bool start = true)
    {
        Sender = new PeerSender(options, peer, address, (_, reachable) => _reachability.Enqueue(reachable), Log);
        if (start) Sender.Start();
    }

    public PeerSender Sender { get; }
    public RecordingLog Log { get; } = new();
    public IReadOnlyList<bool> Reachability => [.. _reachability];

    public ValueTask DisposeAsync() => Sender.DisposeAsync();
}
