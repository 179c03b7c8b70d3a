namespace RaftActors.Tests.Shared;

/// <summary>
/// The built host: src/Host/bin/&lt;configuration of the running tests&gt;/net10.0/RaftActors.Host.dll. Compiled into
/// each test project that starts host processes (Host.Tests, Jepsen); their project reference to src/Host makes
/// the build produce it first.
/// </summary>
internal static class HostBinary
{
    public static string Dll { get; } = Locate();

    private static string Locate()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = bin.Name;
        var configuration = bin.Parent!.Name;
        var root = bin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "RaftActors.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException($"no RaftActors.sln above {AppContext.BaseDirectory}");
        var dll = Path.Combine(root.FullName, "src", "Host", "bin", configuration, framework, "RaftActors.Host.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build src/Host first ({configuration}): {dll} is missing");
    }
}
