using System.Globalization;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// The data identity each peer last used (see <c>DataIdentity</c>), kept in the node's data folder so that it
/// survives restarts. The first identity a peer shows is learned and written before its frame is let through;
/// a different one later means the peer's data was lost, and its frames are refused. A member whose removal this
/// node applies is forgotten, so it can be added again with an empty folder; so is one whose removal the node learns
/// only from an installed snapshot (no removal event is raised then). Thread-safe (the inbox checks, membership
/// events and snapshot installs forget).
/// </summary>
internal sealed class PeerIdentityBook
{
    public const string FileName = "peer-identities";

    private readonly Lock _lock = new();
    private readonly string? _path;
    private readonly Dictionary<ulong, ulong> _known;

    private PeerIdentityBook(string? path, Dictionary<ulong, ulong> known)
    {
        _path = path;
        _known = known;
    }

    /// <summary>A book that remembers nothing across restarts (unit tests of parts that never compare identities).</summary>
    public static PeerIdentityBook InMemory() => new(null, []);

    /// <summary>Reads the book of <paramref name="dataDirectory"/>; a damaged line stops the start with a clear error.</summary>
    public static PeerIdentityBook Open(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        var known = new Dictionary<ulong, ulong>();
        if (File.Exists(path))
        {
            foreach (var line in File.ReadAllLines(path))
            {
                if (line.Length == 0) continue;
                var parts = line.Split(' ');
                if (parts.Length != 2 || !ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                    || !ulong.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var identity))
                {
                    throw new RaftNodeException(RaftErrorCode.Stopped, $"{path} has a damaged line \"{line}\": restore the data folder or delete the file");
                }
                known[id] = identity;
            }
        }
        return new PeerIdentityBook(path, known);
    }

    /// <summary>
    /// Whether <paramref name="peer"/> may be heard with <paramref name="identity"/>: yes for the identity known, or for
    /// the first one (learned now); no for another one, and <paramref name="known"/> is the one remembered.
    /// A peer without an identity (0) is not checked.
    /// </summary>
    public bool Admit(ulong peer, ulong identity, out ulong known)
    {
        known = identity;
        if (identity == 0) return true;
        lock (_lock)
        {
            if (_known.TryGetValue(peer, out known)) return known == identity;
            _known[peer] = identity;
            known = identity;
            Save();
            return true;
        }
    }

    /// <summary>Forgets <paramref name="peer"/>'s identity: it left the membership, or is added afresh.</summary>
    public void Forget(ulong peer)
    {
        lock (_lock)
        {
            if (_known.Remove(peer)) Save();
        }
    }

    /// <summary>Forgets every peer not in <paramref name="members"/>: a membership learned from a snapshot, whose removals raised no event.</summary>
    public void ForgetAllExcept(IReadOnlySet<ulong> members)
    {
        lock (_lock)
        {
            var gone = _known.Keys.Where(id => !members.Contains(id)).ToArray();
            foreach (var id in gone) _known.Remove(id);
            if (gone.Length > 0) Save();
        }
    }

    private void Save()
    {
        if (_path is null) return;
        DurableFile.Write(_path, string.Concat(_known.OrderBy(p => p.Key)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:x16}\n"))));
    }
}
