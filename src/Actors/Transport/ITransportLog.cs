namespace RaftActors.Actors.Transport;

public enum TransportLogLevel
{
    Debug,
    Information,
    Warning,
    Error,
}

/// <summary>
/// Where the transport reports what it did and why it dropped a connection. A tiny sink instead of
/// ILogger because the Actors project takes no logging package; the runtime adapts it to its own logging.
/// Implementations must be thread-safe and must not block.
/// </summary>
public interface ITransportLog
{
    void Log(TransportLogLevel level, string message);
}

/// <summary>Discards everything.</summary>
public sealed class NullTransportLog : ITransportLog
{
    public static readonly NullTransportLog Instance = new();

    private NullTransportLog() { }

    public void Log(TransportLogLevel level, string message) { }
}
