using Akka.Actor;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// Delivers node events to user handlers on one background task, in order, so a slow or throwing
/// handler never holds up the RaftActor that raised the event.
/// </summary>
internal sealed class EventDispatcher : IAsyncDisposable
{
    private readonly Channel<RaftEvent> _channel = Channel.CreateUnbounded<RaftEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _log;
    private readonly Task _loop;

    public EventDispatcher(ILogger log)
    {
        _log = log;
        _loop = Task.Run(RunAsync);
    }

    public EventHandler<RaftEvent>? Handlers { get; set; }

    /// <summary>The sender passed to handlers (the node).</summary>
    public object? Source { get; set; }

    public void Post(RaftEvent e) => _channel.Writer.TryWrite(e);

    private async Task RunAsync()
    {
        await foreach (var e in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                Handlers?.Invoke(Source, e);
            }
            catch (Exception ex)
            {
                NodeLog.EventHandlerFailed(_log, ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
