using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RaftActors.Host.Tests.Support;

/// <summary>Every log line of one application, kept so that a failing test can say what the node did.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IEnumerable<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}[{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
        }
    }
}
