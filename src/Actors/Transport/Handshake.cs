using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace RaftActors.Actors.Transport;

/// <summary>
/// Mutual authentication run on every connection before any frame (see docs/transport.md):
/// <code>
/// both:     hello = "RAFTACT1" role:u8 nodeId:u64 clusterIdLength:u8 clusterId:utf8 nonce:32   (sent at once, read, checked)
/// both:     proof = HMAC-SHA256(secret, domain | role | clusterId | ownNodeId | ownNonce | peerNonce)   (32 bytes)
/// listener: accept:u8 = 1 after it has verified the dialer's proof
/// </code>
/// Fresh nonces from both sides make a recorded proof useless on another connection, and the role in the
/// MAC stops a listener's proof from being reflected back as a dialer's. The secret never crosses the wire.
/// </summary>
internal static class Handshake
{
    private const int NonceSize = 32;
    private const int ProofSize = 32;
    private const int FixedHelloSize = 8 + 1 + 8 + 1;
    private const byte Accept = 1;

    private static ReadOnlySpan<byte> Magic => "RAFTACT1"u8;
    private static ReadOnlySpan<byte> Domain => "raftactors transport handshake v1"u8;

    private enum Role : byte
    {
        Dialer = 1,
        Listener = 2,
    }

    private sealed record Hello(Role Role, ulong NodeId, byte[] ClusterId, byte[] Nonce);

    /// <summary>Runs the dialer's side; returns once the listener has accepted, throws <see cref="TransportException"/> otherwise.</summary>
    public static async Task DialAsync(Stream stream, TransportOptions options, ulong expectedPeer, CancellationToken cancellationToken)
    {
        var own = NewHello(options, Role.Dialer);
        var peer = await ExchangeHellosAsync(stream, own, cancellationToken).ConfigureAwait(false);
        Check(peer, own, Role.Listener);
        if (peer.NodeId != expectedPeer) throw new TransportException($"expected node {expectedPeer} but node {peer.NodeId} answered");
        await ExchangeProofsAsync(stream, options, own, peer, cancellationToken).ConfigureAwait(false);
        var accept = new byte[1];
        await ReadAsync(stream, accept, cancellationToken).ConfigureAwait(false);
        if (accept[0] != Accept) throw new TransportException($"listener answered {accept[0]} instead of accept");
    }

    /// <summary>Runs the listener's side; returns the authenticated node id of the dialer.</summary>
    public static async Task<ulong> AcceptAsync(Stream stream, TransportOptions options, CancellationToken cancellationToken)
    {
        var own = NewHello(options, Role.Listener);
        var peer = await ExchangeHellosAsync(stream, own, cancellationToken).ConfigureAwait(false);
        Check(peer, own, Role.Dialer);
        if (peer.NodeId == 0 || peer.NodeId == options.NodeId) throw new TransportException($"dialer claims invalid node id {peer.NodeId}");
        await ExchangeProofsAsync(stream, options, own, peer, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(new[] { Accept }, cancellationToken).ConfigureAwait(false);
        return peer.NodeId;
    }

    private static Hello NewHello(TransportOptions options, Role role) =>
        new(role, options.NodeId, Encoding.UTF8.GetBytes(options.ClusterId), RandomNumberGenerator.GetBytes(NonceSize));

    private static async Task<Hello> ExchangeHellosAsync(Stream stream, Hello own, CancellationToken cancellationToken)
    {
        var bytes = new byte[FixedHelloSize + own.ClusterId.Length + NonceSize];
        Magic.CopyTo(bytes);
        bytes[8] = (byte)own.Role;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(9), own.NodeId);
        bytes[17] = (byte)own.ClusterId.Length;
        own.ClusterId.CopyTo(bytes, FixedHelloSize);
        own.Nonce.CopyTo(bytes, FixedHelloSize + own.ClusterId.Length);
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);

        var head = new byte[FixedHelloSize];
        await ReadAsync(stream, head, cancellationToken).ConfigureAwait(false);
        if (!head.AsSpan(0, 8).SequenceEqual(Magic)) throw new TransportException("not a RaftActors peer (bad handshake magic)");
        var rest = new byte[head[17] + NonceSize];
        await ReadAsync(stream, rest, cancellationToken).ConfigureAwait(false);
        return new Hello((Role)head[8], BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(9)), rest[..head[17]], rest[head[17]..]);
    }

    private static void Check(Hello peer, Hello own, Role expectedRole)
    {
        if (peer.Role != expectedRole) throw new TransportException($"peer announced role {(byte)peer.Role}, expected {expectedRole}");
        if (!peer.ClusterId.AsSpan().SequenceEqual(own.ClusterId))
            throw new TransportException($"wrong cluster id '{Printable(peer.ClusterId)}' from node {peer.NodeId}");
    }

    private static async Task ExchangeProofsAsync(Stream stream, TransportOptions options, Hello own, Hello peer, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Proof(options.Secret, own, peer.Nonce), cancellationToken).ConfigureAwait(false);
        var theirs = new byte[ProofSize];
        await ReadAsync(stream, theirs, cancellationToken).ConfigureAwait(false);
        if (!CryptographicOperations.FixedTimeEquals(theirs, Proof(options.Secret, peer, own.Nonce)))
            throw new TransportException($"node {peer.NodeId} failed to prove the cluster secret");
    }

    private static byte[] Proof(byte[] secret, Hello prover, byte[] verifierNonce)
    {
        var input = new byte[Domain.Length + 1 + 1 + prover.ClusterId.Length + 8 + NonceSize + NonceSize];
        var span = input.AsSpan();
        Domain.CopyTo(span);
        span = span[Domain.Length..];
        span[0] = (byte)prover.Role;
        span[1] = (byte)prover.ClusterId.Length;
        prover.ClusterId.CopyTo(span[2..]);
        span = span[(2 + prover.ClusterId.Length)..];
        BinaryPrimitives.WriteUInt64LittleEndian(span, prover.NodeId);
        prover.Nonce.CopyTo(span[8..]);
        verifierNonce.CopyTo(span[(8 + NonceSize)..]);
        return HMACSHA256.HashData(secret, input);
    }

    private static async Task ReadAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new TransportException("connection closed during the handshake", e);
        }
    }

    // The cluster id comes from an unauthenticated peer; keep the log line readable and short.
    private static string Printable(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 64));
        return new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
