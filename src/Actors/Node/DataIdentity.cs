using System.Globalization;
using System.Security.Cryptography;

namespace RaftActors.Actors;

/// <summary>
/// The random identity of a node's data folder, created once, the first time a node starts on an empty folder,
/// and read back on every later start. Peers learn it from the frames a node sends (<c>PeerFrame.SenderIdentity</c>)
/// and remember it (<c>PeerIdentityBook</c>): a node whose folder was wiped starts with a new identity under its
/// old id, and the first peer that knew the old one refuses it, so the node stops instead of voting with a blank
/// memory. A founder that starts late has never sent a frame, so no peer knows an identity for it: it is not
/// mistaken for a wiped one. The folder (journal, snapshots and this file) is the unit of a node's state: an
/// identity file left behind in a folder whose journal was deleted is caught by <see cref="JournalMarker"/>.
/// </summary>
internal static class DataIdentity
{
    public const string FileName = "data-identity";

    public static ulong LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            if (ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var known) && known != 0) return known;
            throw new RaftNodeException(RaftErrorCode.Stopped,
                $"{path} does not hold a data identity (16 hex digits): the data folder is damaged; restore it or rejoin the node with an empty folder");
        }
        ulong identity;
        do
        {
            identity = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
        }
        while (identity == 0);
        DurableFile.Write(path, identity.ToString("x16", CultureInfo.InvariantCulture) + "\n");
        return identity;
    }
}
