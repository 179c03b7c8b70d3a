namespace RaftActors.Actors.Remote;

/// <summary>Names of RaftActors' instruments (<c>dotnet-counters monitor --counters RaftActors</c>).</summary>
internal static class RaftMetrics
{
    /// <summary>The meter the runtime's instruments belong to.</summary>
    public const string MeterName = "RaftActors";
}
