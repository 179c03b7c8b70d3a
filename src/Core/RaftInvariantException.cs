namespace RaftActors.Core;

/// <summary>
/// A rule of the algorithm or of the storage contract was broken: a corrupted or lost log, a runtime
/// that persisted out of order, or a bug. The node must stop (fail-stop) rather than go on.
/// </summary>
public sealed class RaftInvariantException(string message) : Exception(message);
