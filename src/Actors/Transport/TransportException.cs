namespace RaftActors.Actors.Transport;

/// <summary>
/// A peer broke the protocol (bad handshake, oversized or corrupt frame, a message it may not send), or a
/// connection was lost while a snapshot was being sent. The message is the reason that gets logged.
/// </summary>
public sealed class TransportException : Exception
{
    public TransportException(string message) : base(message) { }
    public TransportException(string message, Exception inner) : base(message, inner) { }
}
