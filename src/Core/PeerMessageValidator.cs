using RaftActors.Messages;

namespace RaftActors.Core;

/// <summary>A message from a peer that no correct node would send; it was refused and changed nothing.</summary>
public sealed class InvalidPeerMessageException(string message) : Exception(message);

/// <summary>
/// Shape checks on messages that arrive from the network, before they reach the algorithm: a buggy or
/// hostile peer must not be able to make the core throw deep inside a handler or corrupt its state.
/// </summary>
internal static class PeerMessageValidator
{
    public static void Validate(RaftMessage m, ulong self)
    {
        if (m.Type.IsLocal()) Refuse(m, "is a local message kind");
        if (m.From == 0) Refuse(m, "has no sender");
        if (m.From == self) Refuse(m, "claims to come from this node");
        if (m.To != 0 && m.To != self) Refuse(m, $"is addressed to {m.To}");
        switch (m.Type)
        {
            case MessageType.Propose when m.Entries.Count == 0:
                Refuse(m, "carries no entries");
                break;
            case MessageType.ReadIndex or MessageType.ReadIndexResponse when m.Entries.Count != 1:
                Refuse(m, "must carry exactly one request context");
                break;
            case MessageType.Snapshot when m.Snapshot is null || m.Snapshot.IsEmpty:
                Refuse(m, "carries no snapshot");
                break;
            case MessageType.Append:
                for (var i = 0; i < m.Entries.Count; i++)
                {
                    if (m.Entries[i].Index != m.Index + 1 + (ulong)i) Refuse(m, "has entries that do not follow its previous index");
                    if (m.Entries[i].Term > m.Term) Refuse(m, "has an entry from a term after its own");
                }
                break;
        }
        if (m.Type is not (MessageType.Propose or MessageType.ReadIndex) && m.Term == 0)
        {
            Refuse(m, "carries no term");
        }
    }

    private static void Refuse(RaftMessage m, string why) =>
        throw new InvalidPeerMessageException($"refused {m.Type} from {m.From}: it {why}");
}
