using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RaftActors.Actors.Tests.Node;

/// <summary>One log line a node wrote.</summary>
internal sealed record CapturedLog(string Category, LogLevel Level, int EventId, string Message, Exception? Exception);

/// <summary>
/// Keeps every log line of one node (Information and up) so tests can check what the runtime reported:
/// a snapshot installed from the leader, a handshake refused, a fail-stop.
/// </summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<CapturedLog> _lines = new();

    public IReadOnlyCollection<CapturedLog> Lines => _lines;

    public bool Any(Func<CapturedLog, bool> predicate) => _lines.Any(predicate);

    public bool Contains(int eventId) => _lines.Any(l => l.EventId == eventId);

    public bool Contains(string text) => _lines.Any(l => l.Message.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            lines.Enqueue(new CapturedLog(category, logLevel, eventId.Id, formatter(state, exception), exception));
        }
    }
}
