using Akka.Actor;
using System.Buffers;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// What a normal log entry carries: the service command plus what the runtime needs to answer the
/// client that proposed it. <see cref="Origin"/> and <see cref="RequestId"/> name the waiting request
/// (the node that proposed it completes it when it applies the entry); <see cref="ClientId"/> and
/// <see cref="Sequence"/> form the exactly-once client session (0 = no session).
/// An entry with empty data is the leader's no-op and carries no envelope.
/// </summary>
public sealed record CommandEnvelope(string Namespace, ulong Origin, ulong RequestId, ulong ClientId, ulong Sequence, byte[] Payload)
{
    private const byte Version = 1;

    /// <summary>Longest namespace accepted (in UTF-8 bytes).</summary>
    public const int MaxNamespaceBytes = 64;

    /// <summary>What the envelope adds to a command at most: version, namespace, four varints.</summary>
    public const int MaxOverheadBytes = 1 + 2 + MaxNamespaceBytes + 4 * 10;

    public byte[] Encode()
    {
        var buffer = EncodeBuffers.Rent();
        var w = new WireWriter(buffer);
        w.Byte(Version);
        w.String(Namespace);
        w.VarUInt(Origin);
        w.VarUInt(RequestId);
        w.VarUInt(ClientId);
        w.VarUInt(Sequence);
        w.Bytes(Payload);
        return EncodeBuffers.ToArrayAndReturn(buffer);
    }

    /// <summary>Decodes an entry's data; throws <see cref="CodecException"/> for anything else.</summary>
    public static CommandEnvelope Decode(ReadOnlySpan<byte> data)
    {
        var view = Read(data);
        return new CommandEnvelope(System.Text.Encoding.UTF8.GetString(view.Namespace), view.Origin, view.RequestId, view.ClientId, view.Sequence,
            view.Payload.ToArray());
    }

    /// <summary>
    /// Reads an entry's data in place (what applying needs, without copying the command or making the namespace a
    /// string); throws <see cref="CodecException"/> for anything that is not an envelope, as <see cref="Decode"/> does.
    /// </summary>
    internal static CommandView Read(ReadOnlySpan<byte> data)
    {
        var r = new WireReader(data);
        var version = r.Byte();
        if (version != Version) throw new CodecException($"unknown command envelope version {version}");
        var ns = r.Utf8Span(MaxNamespaceBytes);
        var origin = r.VarUInt();
        var requestId = r.VarUInt();
        var clientId = r.VarUInt();
        var sequence = r.VarUInt();
        var payload = r.BytesSpan();
        r.End("command envelope");
        return new CommandView(ns, origin, requestId, clientId, sequence, payload);
    }
}

/// <summary>A command envelope read in place (<see cref="CommandEnvelope.Read"/>): its namespace (UTF-8) and command are slices of the entry.</summary>
internal readonly ref struct CommandView(ReadOnlySpan<byte> ns, ulong origin, ulong requestId, ulong clientId, ulong sequence, ReadOnlySpan<byte> payload)
{
    public ReadOnlySpan<byte> Namespace { get; } = ns;
    public ulong Origin { get; } = origin;
    public ulong RequestId { get; } = requestId;
    public ulong ClientId { get; } = clientId;
    public ulong Sequence { get; } = sequence;
    public ReadOnlySpan<byte> Payload { get; } = payload;
}

/// <summary>
/// What a membership-change entry carries in <see cref="ConfChange.Context"/>: the address of an added
/// node (so every member learns where to reach it) and the request that proposed the change.
/// </summary>
public sealed record MembershipContext(ulong Origin, ulong RequestId, string Address)
{
    private const byte Version = 1;

    public const int MaxAddressBytes = 256;

    public byte[] Encode()
    {
        var buffer = EncodeBuffers.Rent();
        var w = new WireWriter(buffer);
        w.Byte(Version);
        w.VarUInt(Origin);
        w.VarUInt(RequestId);
        w.String(Address);
        return EncodeBuffers.ToArrayAndReturn(buffer);
    }

    /// <summary>Decodes a context; an empty one (a change proposed without the runtime) gives an empty record.</summary>
    public static MembershipContext Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return new MembershipContext(0, 0, "");
        var r = new WireReader(data);
        var version = r.Byte();
        if (version != Version) throw new CodecException($"unknown membership context version {version}");
        var context = new MembershipContext(r.VarUInt(), r.VarUInt(), r.String(MaxAddressBytes));
        r.End("membership context");
        return context;
    }
}
