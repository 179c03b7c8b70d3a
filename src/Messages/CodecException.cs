namespace RaftActors.Messages;

/// <summary>
/// The only exception the codec throws when it decodes untrusted bytes: truncated input, an unknown
/// format version, an out-of-range value or a declared length larger than the input.
/// </summary>
public sealed class CodecException : Exception
{
    public CodecException(string message) : base(message) { }
    public CodecException(string message, Exception inner) : base(message, inner) { }
}
