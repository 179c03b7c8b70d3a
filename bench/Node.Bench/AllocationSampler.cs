using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace RaftActors.Node.Bench;

/// <summary>
/// Which types the process allocates, from the runtime's allocation-tick events (one every ~100 KB allocated,
/// naming the type of the object that crossed the mark): a sampled breakdown of the B/op column, cheap enough
/// to leave on while a scenario is timed. Started with <c>--alloc-types</c>.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new();
    private volatile bool _recording;

    public void Start()
    {
        _bytesByType.Clear();
        _recording = true;
    }

    public void Stop() => _recording = false;

    /// <summary>The <paramref name="top"/> types by sampled bytes, each as bytes per operation of <paramref name="operations"/>.</summary>
    public string Report(long operations, int top = 25)
    {
        var total = _bytesByType.Values.Sum();
        var text = new StringBuilder();
        foreach (var (type, bytes) in _bytesByType.OrderByDescending(p => p.Value).Take(top))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"    {(double)bytes / Math.Max(1, operations),9:N0} B/op  {100.0 * bytes / Math.Max(1, total),5:F1} %  {type}\n");
        }
        return text.ToString();
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_recording || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
        var type = "?";
        long amount = 0;
        for (var i = 0; i < e.PayloadNames.Count; i++)
        {
            switch (e.PayloadNames[i])
            {
                case "TypeName":
                    type = e.Payload![i] as string ?? "?";
                    break;
                case "AllocationAmount64":
                    amount = Convert.ToInt64(e.Payload![i], CultureInfo.InvariantCulture);
                    break;
            }
        }
        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
