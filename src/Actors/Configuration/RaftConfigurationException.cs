namespace RaftActors.Actors.Configuration;

/// <summary>
/// One bad setting: the HOCON path it is at and a message that names the path, the value and what to
/// fix, for example <c>akka.raft.election-ticks = 1: must be greater than heartbeat-ticks (1)</c>.
/// </summary>
public sealed record RaftSettingError(string Path, string Message)
{
    public override string ToString() => Message;
}

/// <summary>
/// The configuration of a node cannot be used. Thrown by <see cref="RaftSettings.Create"/> and
/// <see cref="HoconFile"/> with every problem found, not only the first, so one start tells all there is to fix.
/// </summary>
public sealed class RaftConfigurationException : Exception
{
    public RaftConfigurationException(IReadOnlyList<RaftSettingError> errors)
        : base(Describe(errors ?? throw new ArgumentNullException(nameof(errors))))
    {
        if (errors.Count == 0) throw new ArgumentException("at least one error is needed", nameof(errors));
        Errors = errors;
    }

    public RaftConfigurationException(string path, string message) : this([new RaftSettingError(path, message)])
    {
    }

    /// <summary>Every problem found, in the order of the settings in raftactors.conf.</summary>
    public IReadOnlyList<RaftSettingError> Errors { get; }

    private static string Describe(IReadOnlyList<RaftSettingError> errors) => errors.Count switch
    {
        0 => "no error",
        1 => errors[0].Message,
        _ => $"{errors.Count} settings need fixing:{Environment.NewLine}"
            + string.Join(Environment.NewLine, errors.Select(e => $"  - {e.Message}")),
    };
}
