namespace RaftActors.Core;

public enum RaftLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>
/// Where the core reports what it decides (elections won, terms raised, snapshots restored). The core
/// never writes to a console or a file itself; the runtime adapts this to its logging.
/// </summary>
public interface IRaftLogger
{
    bool IsEnabled(RaftLogLevel level);

    void Log(RaftLogLevel level, ulong nodeId, string message);
}

/// <summary>Discards everything.</summary>
public sealed class NullRaftLogger : IRaftLogger
{
    public static readonly NullRaftLogger Instance = new();

    public bool IsEnabled(RaftLogLevel level) => false;

    public void Log(RaftLogLevel level, ulong nodeId, string message) { }
}
