namespace RaftActors.Actors.Remote;

/// <summary>Why <see cref="PeerAuthenticator.Open"/> refused a frame; each is counted.</summary>
internal enum PeerDropReason
{
    /// <summary>Accepted (not a drop); the value <c>Open</c> reports with <c>true</c>.</summary>
    None = 0,

    /// <summary>The cluster tag is another cluster's: a misconfigured node or a stray system on the network.</summary>
    ForeignCluster = 1,

    /// <summary>The frame is addressed to another node: misrouted, or relayed by someone who captured it.</summary>
    WrongReceiver = 2,

    /// <summary>The MAC does not verify: a wrong secret, or bytes changed on the way.</summary>
    BadMac = 3,

    /// <summary>The sequence number is not above the highest accepted from that sender: a replay or a reordering.</summary>
    Replayed = 4,

    /// <summary>The frame cannot be genuine whatever its MAC: an unknown kind, a MAC of the wrong size, a sender id of 0 or our own.</summary>
    Malformed = 5,
}
