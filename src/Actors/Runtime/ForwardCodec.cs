using Akka.Actor;
using System.Buffers;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

internal enum ForwardOperation : byte
{
    Propose = 1,
    ChangeMembership = 2,
    TransferLeadership = 3,
    /// <summary>Add as a learner, wait until caught up, promote: run where the progress is known, on the leader.</summary>
    AddMember = 4,
}

/// <summary>A client request a follower hands to the leader, which runs it as if it were its own.</summary>
internal sealed record ForwardRequest(ulong CallId, ForwardOperation Operation, string Namespace, byte[] Payload,
    ulong ClientId, ulong Sequence, ulong Target);

/// <summary>The leader's answer: <see cref="Error"/> null means success with <see cref="Result"/>.</summary>
internal sealed record ForwardResponse(ulong CallId, RaftErrorCode? Error, string Message, byte[] Result);

/// <summary>
/// The node-to-node request/response format carried in the transport's forward frames. Every field is
/// length-checked; anything malformed throws <see cref="CodecException"/> and the frame is dropped.
/// </summary>
internal static class ForwardCodec
{
    private const byte Version = 1;
    private const byte RequestKind = 1;
    private const byte ResponseKind = 2;
    private const int MaxMessageBytes = 4096;

    public static byte[] Encode(ForwardRequest request)
    {
        var buffer = EncodeBuffers.Rent();
        var w = new WireWriter(buffer);
        w.Byte(Version);
        w.Byte(RequestKind);
        w.VarUInt(request.CallId);
        w.Byte((byte)request.Operation);
        w.String(request.Namespace);
        w.Bytes(request.Payload);
        w.VarUInt(request.ClientId);
        w.VarUInt(request.Sequence);
        w.VarUInt(request.Target);
        return EncodeBuffers.ToArrayAndReturn(buffer);
    }

    public static byte[] Encode(ForwardResponse response)
    {
        var buffer = EncodeBuffers.Rent();
        var w = new WireWriter(buffer);
        w.Byte(Version);
        w.Byte(ResponseKind);
        w.VarUInt(response.CallId);
        w.Byte(response.Error is { } code ? (byte)((int)code + 1) : (byte)0);
        w.String(response.Message.Length > MaxMessageBytes / 4 ? response.Message[..(MaxMessageBytes / 4)] : response.Message);
        w.Bytes(response.Result);
        return EncodeBuffers.ToArrayAndReturn(buffer);
    }

    /// <summary>Decodes either kind; the result is a <see cref="ForwardRequest"/> or a <see cref="ForwardResponse"/>.</summary>
    public static object Decode(ReadOnlySpan<byte> data)
    {
        var r = new WireReader(data);
        var version = r.Byte();
        if (version != Version) throw new CodecException($"unknown forward format version {version}");
        var kind = r.Byte();
        var callId = r.VarUInt();
        object result;
        if (kind == RequestKind)
        {
            var op = r.Byte();
            if (op is < 1 or > 4) throw new CodecException($"unknown forward operation {op}");
            result = new ForwardRequest(callId, (ForwardOperation)op, r.String(CommandEnvelope.MaxNamespaceBytes), r.Bytes(),
                r.VarUInt(), r.VarUInt(), r.VarUInt());
        }
        else if (kind == ResponseKind)
        {
            var code = r.Byte();
            if (code > (byte)RaftErrorCode.Stopped + 1) throw new CodecException($"unknown error code {code}");
            result = new ForwardResponse(callId, code == 0 ? null : (RaftErrorCode)(code - 1), r.String(MaxMessageBytes), r.Bytes());
        }
        else
        {
            throw new CodecException($"unknown forward kind {kind}");
        }
        r.End("forward message");
        return result;
    }
}
