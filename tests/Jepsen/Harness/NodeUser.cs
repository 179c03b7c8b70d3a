using System.Globalization;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// A system user per node (<c>useradd -r</c>) so that <c>nft</c> can tell which node opened a connection
/// (<c>meta skuid</c>). Removed on dispose; one left over by a crashed run is reused and then removed.
/// </summary>
internal sealed class NodeUser : IDisposable
{
    private NodeUser(string name, int uid, int gid, string home)
    {
        Name = name;
        Uid = uid;
        Gid = gid;
        Home = home;
    }

    public string Name { get; }
    public int Uid { get; }
    public int Gid { get; }
    public string Home { get; }

    public static NodeUser Create(string name, string home)
    {
        var (code, output) = Shell.Run("useradd", "-r", "-M", "-d", home, "-s", "/usr/sbin/nologin", name);
        if (code != 0 && code != 9) throw new InvalidOperationException($"useradd {name} failed with {code}: {output.Trim()}");
        var uid = int.Parse(Shell.Check("id", "-u", name).Trim(), CultureInfo.InvariantCulture);
        var gid = int.Parse(Shell.Check("id", "-g", name).Trim(), CultureInfo.InvariantCulture);
        return new NodeUser(name, uid, gid, home);
    }

    /// <summary>Gives the folder (and what is in it) to this user, so the node can write its data there.</summary>
    public void Own(string path) => Shell.Check("chown", "-R", $"{Uid}:{Gid}", path);

    public void Dispose() => Shell.Run("userdel", Name);
}
