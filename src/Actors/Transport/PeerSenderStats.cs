namespace RaftActors.Actors.Transport;

/// <summary>Counters of one <see cref="PeerSender"/> since it was created.</summary>
/// <param name="MessagesSent">Messages written to the socket (not necessarily received).</param>
/// <param name="FramesSent">Batch frames written; fewer than messages when batching works.</param>
/// <param name="MessagesDropped">Messages and forward payloads discarded: queue full, peer unreachable, or too large for a frame.</param>
/// <param name="SnapshotsSent">Snapshots whose every chunk was written.</param>
/// <param name="ForwardsSent">Forward payloads written to the socket, one frame each.</param>
public readonly record struct PeerSenderStats(long MessagesSent, long FramesSent, long MessagesDropped, long SnapshotsSent, long ForwardsSent);
