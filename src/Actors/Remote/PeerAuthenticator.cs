using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;

namespace RaftActors.Actors.Remote;

/// <summary>
/// Seals and opens <see cref="PeerFrame"/>s: the authentication Akka.Remote does not have. Every node of a cluster
/// derives the same MAC key from the cluster secret (HKDF-SHA256, the cluster id as salt), so a frame proves it
/// comes from a holder of the secret, and the MAC binds all of the envelope:
/// <code>HMAC-SHA256(key, clusterTag:u64le from:u64le to:u64le sequence:u64le kind:u8 senderIdentity:u64le body)</code>
/// Binding the receiver's id means a frame for node 2 that someone relays to node 3 is refused by node 3 (the old
/// transport's handshake authenticated the connection, not each message, and did not prevent that). Binding the
/// sequence number lets the receiver refuse replays: per sender it accepts only strictly increasing numbers.
/// <para>
/// Sequence numbers of a link start at the sender's wall clock in microseconds and then take
/// <c>max(previous + 1, now)</c>, so a restarted sender continues above everything it sent before (its peers
/// still remember those numbers) instead of being refused as a replayer. This assumes a link averages under one
/// frame per microsecond and the clock does not step back across a restart; if it does, the restarted sender's
/// frames are refused until its clock passes the old numbers again (Raft tolerates the lost messages).
/// A receiver remembers the highest numbers only while it runs: after a restart it would accept a recorded
/// frame once, until the real sender's next frame; Raft messages tolerate duplicates and forwarded requests are
/// exactly-once by their client session, so that window is not a safety problem.
/// </para>
/// Thread-safe: peer actors seal, the inbox opens, concurrently.
/// </summary>
internal sealed class PeerAuthenticator
{
    public const int MacSize = 32;

    /// <summary>The shortest secret accepted, as <c>RaftNodeOptions</c> requires.</summary>
    public const int MinSecretBytes = 16;

    /// <summary>The instrument every authenticator counts its drops in, tagged <c>reason</c>.</summary>
    public const string DroppedInstrument = "raftactors.peer.frames.dropped";

    private const int MacHeaderSize = 8 + 8 + 8 + 8 + 1 + 8;

    private static ReadOnlySpan<byte> KeyLabel => "raftactors peer frame mac key v1"u8;
    private static ReadOnlySpan<byte> TagLabel => "raftactors cluster tag v1"u8;

    private static readonly Meter SharedMeter = new(RaftMetrics.MeterName);
    private static readonly Counter<long> SharedDropped = CreateDroppedCounter(SharedMeter);

    private static readonly KeyValuePair<string, object?>[] ReasonTags =
    [
        default,
        new("reason", "foreign_cluster"),
        new("reason", "wrong_receiver"),
        new("reason", "bad_mac"),
        new("reason", "replayed"),
        new("reason", "malformed"),
    ];

    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly Counter<long> _droppedCounter;
    private readonly long[] _dropped = new long[ReasonTags.Length];
    private readonly ConcurrentDictionary<ulong, Watermark> _sent = new();
    private readonly ConcurrentDictionary<ulong, Watermark> _accepted = new();

    /// <param name="clusterId">The cluster's id; nodes of other clusters are told apart by <see cref="ClusterTag"/>.</param>
    /// <param name="secret">The cluster secret, at least <see cref="MinSecretBytes"/> bytes; only a derived key is kept.</param>
    /// <param name="localNodeId">This node's id: what frames are sealed from and must be addressed to.</param>
    /// <param name="time">The clock sequence numbers start from (tests pass a fake one).</param>
    /// <param name="meter">Where to count drops; by default the shared <see cref="RaftMetrics.MeterName"/> meter.</param>
    /// <param name="dataIdentity">The identity of this node's data folder, sealed into every frame (0: none).</param>
    public PeerAuthenticator(string clusterId, ReadOnlySpan<byte> secret, ulong localNodeId, TimeProvider? time = null, Meter? meter = null,
        ulong dataIdentity = 0)
    {
        LocalIdentity = dataIdentity;
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        if (secret.Length < MinSecretBytes) throw new ArgumentException($"the cluster secret must be at least {MinSecretBytes} bytes", nameof(secret));
        if (localNodeId == 0) throw new ArgumentOutOfRangeException(nameof(localNodeId), "node id 0 is not a node");
        _key = new byte[MacSize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, _key, Encoding.UTF8.GetBytes(clusterId), KeyLabel);
        _time = time ?? TimeProvider.System;
        _droppedCounter = meter is null ? SharedDropped : CreateDroppedCounter(meter);
        LocalNodeId = localNodeId;
        ClusterTag = TagOf(clusterId);
    }

    public ulong LocalNodeId { get; }

    /// <summary>The identity of this node's data folder that every frame it seals names.</summary>
    public ulong LocalIdentity { get; }

    public ulong ClusterTag { get; }

    /// <summary>The first 8 bytes (little-endian) of SHA-256 over a fixed label and the cluster id's UTF-8.</summary>
    public static ulong TagOf(string clusterId)
    {
        ArgumentNullException.ThrowIfNull(clusterId);
        var input = new byte[TagLabel.Length + Encoding.UTF8.GetByteCount(clusterId)];
        TagLabel.CopyTo(input);
        Encoding.UTF8.GetBytes(clusterId, input.AsSpan(TagLabel.Length));
        return BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(input));
    }

    public static bool IsKnown(PeerPayloadKind kind) => kind is >= PeerPayloadKind.RaftMessages and <= PeerPayloadKind.ForwardBatch;

    /// <summary>Seals <paramref name="body"/> for node <paramref name="to"/> with the link's next sequence number.</summary>
    public PeerFrame Seal(ulong to, PeerPayloadKind kind, ReadOnlySpan<byte> body)
    {
        if (to == 0 || to == LocalNodeId) throw new ArgumentOutOfRangeException(nameof(to), to, "a frame goes to another node");
        if (!IsKnown(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown payload kind");
        var sequence = NextSequence(to);
        var mac = ComputeMac(ClusterTag, LocalNodeId, to, sequence, kind, LocalIdentity, body);
        // Encoded once, here: the frame carries its binary form and its body is a slice of it.
        var wire = PeerFrameCodec.Encode(ClusterTag, LocalNodeId, to, sequence, kind, LocalIdentity, body, mac, out var bodyOffset);
        return new PeerFrame(ClusterTag, LocalNodeId, to, sequence, kind, wire.AsMemory(bodyOffset, body.Length), mac, LocalIdentity, wire);
    }

    /// <summary>
    /// Whether <paramref name="frame"/> is genuine, for this node, and newer than every frame accepted from its
    /// sender; if so it is now the newest. Otherwise <paramref name="reason"/> says why, and the drop is counted.
    /// Nothing about a sender is remembered before its frame's MAC verified, so forged frames cost no memory.
    /// </summary>
    public bool Open(PeerFrame frame, out PeerDropReason reason)
    {
        ArgumentNullException.ThrowIfNull(frame);
        reason = Check(frame);
        if (reason == PeerDropReason.None) return true;
        Interlocked.Increment(ref _dropped[(int)reason]);
        _droppedCounter.Add(1, ReasonTags[(int)reason]);
        return false;
    }

    /// <summary>How many frames this authenticator refused for <paramref name="reason"/>.</summary>
    public long Dropped(PeerDropReason reason) =>
        reason is > PeerDropReason.None and <= PeerDropReason.Malformed ? Interlocked.Read(ref _dropped[(int)reason]) : 0;

    private PeerDropReason Check(PeerFrame frame)
    {
        if (frame.Mac is not { Length: MacSize } || !IsKnown(frame.Kind)) return PeerDropReason.Malformed;
        if (frame.ClusterTag != ClusterTag) return PeerDropReason.ForeignCluster;
        if (frame.To != LocalNodeId) return PeerDropReason.WrongReceiver;
        if (frame.From == 0 || frame.From == LocalNodeId) return PeerDropReason.Malformed;
        var expected = ComputeMac(frame.ClusterTag, frame.From, frame.To, frame.Sequence, frame.Kind, frame.SenderIdentity, frame.Body.Span);
        if (!CryptographicOperations.FixedTimeEquals(expected, frame.Mac)) return PeerDropReason.BadMac;
        return _accepted.GetOrAdd(frame.From, static _ => new Watermark(0)).TryRaise(frame.Sequence)
            ? PeerDropReason.None
            : PeerDropReason.Replayed;
    }

    private ulong NextSequence(ulong to)
    {
        var now = NowMicroseconds();
        // A link seen for the first time starts at the clock; after that the watermark only moves up.
        return _sent.GetOrAdd(to, static (_, start) => new Watermark(start - 1), now).Next(now);
    }

    private ulong NowMicroseconds()
    {
        var ticks = _time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return ticks <= TimeSpan.TicksPerMicrosecond ? 1 : (ulong)(ticks / TimeSpan.TicksPerMicrosecond);
    }

    private byte[] ComputeMac(ulong clusterTag, ulong from, ulong to, ulong sequence, PeerPayloadKind kind, ulong identity, ReadOnlySpan<byte> body)
    {
        // One-shot over header and body side by side in a pooled buffer: an incremental HMAC per frame cost four objects
        // and a native context for every message, and copying the body is cheaper than that.
        var input = ArrayPool<byte>.Shared.Rent(MacHeaderSize + body.Length);
        try
        {
            var header = input.AsSpan(0, MacHeaderSize);
            BinaryPrimitives.WriteUInt64LittleEndian(header, clusterTag);
            BinaryPrimitives.WriteUInt64LittleEndian(header[8..], from);
            BinaryPrimitives.WriteUInt64LittleEndian(header[16..], to);
            BinaryPrimitives.WriteUInt64LittleEndian(header[24..], sequence);
            header[32] = (byte)kind;
            BinaryPrimitives.WriteUInt64LittleEndian(header[33..], identity);
            body.CopyTo(input.AsSpan(MacHeaderSize));
            var mac = new byte[MacSize];
            HMACSHA256.HashData(_key, input.AsSpan(0, MacHeaderSize + body.Length), mac);
            return mac;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    private static Counter<long> CreateDroppedCounter(Meter meter) =>
        meter.CreateCounter<long>(DroppedInstrument, "{frame}", "Peer frames refused by their receiver, by reason");

    /// <summary>A per-link sequence number that only moves up, shared by threads.</summary>
    private sealed class Watermark(ulong initial)
    {
        private ulong _value = initial;

        /// <summary>Raises the mark to <paramref name="candidate"/> if it is higher; false if it is not.</summary>
        public bool TryRaise(ulong candidate)
        {
            var current = Volatile.Read(ref _value);
            while (candidate > current)
            {
                var seen = Interlocked.CompareExchange(ref _value, candidate, current);
                if (seen == current) return true;
                current = seen;
            }
            return false;
        }

        /// <summary>Moves the mark to <c>max(mark + 1, floor)</c> and returns it.</summary>
        public ulong Next(ulong floor)
        {
            var current = Volatile.Read(ref _value);
            while (true)
            {
                var next = Math.Max(current + 1, floor);
                var seen = Interlocked.CompareExchange(ref _value, next, current);
                if (seen == current) return next;
                current = seen;
            }
        }
    }
}
