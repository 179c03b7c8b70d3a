using Microsoft.Extensions.Logging;
using RaftActors.Actors.Transport;
using RaftActors.Persistence;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The resources a node holds, released in the reverse order of their start: the listener and peer
/// connections first (nothing new comes in), then the actors (nothing more is written), the journal last.
/// Also what a failed start releases.
/// </summary>
internal sealed class StartedParts(IJournal journal) : IAsyncDisposable
{
    private int _disposed;

    public IJournal Journal { get; } = journal;
    public ActorSystem? System { get; set; }
    public INodeNetwork? Network { get; set; }
    public EventDispatcher? Events { get; set; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (Network is not null) await Network.DisposeAsync().ConfigureAwait(false);
        if (System is not null) await System.DisposeAsync().ConfigureAwait(false);
        Journal.Dispose();
        if (Events is not null) await Events.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Writes the transport's reports to the host's logger.</summary>
internal sealed partial class TransportLogAdapter(ILogger logger) : ITransportLog
{
    public void Log(TransportLogLevel level, string message)
    {
        var mapped = level switch
        {
            TransportLogLevel.Debug => LogLevel.Debug,
            TransportLogLevel.Information => LogLevel.Information,
            TransportLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        if (logger.IsEnabled(mapped)) Write(logger, mapped, message);
    }

    [LoggerMessage(EventId = 4000, Message = "{Message}")]
    private static partial void Write(ILogger logger, LogLevel level, string message);
}
