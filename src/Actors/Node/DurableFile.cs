using System.Runtime.InteropServices;
using System.Text;

namespace RaftActors.Actors;

/// <summary>
/// Crash-safe file changes in the node's data folder: a small file is replaced so that a crash leaves the old or the
/// new content, never a torn one, and a rename becomes durable once its folder is fsynced too (POSIX keeps directory
/// entries in the directory's own data). .NET cannot open a directory as a FileStream on Linux, so the folder is
/// opened and fsynced through libc.
/// </summary>
internal static partial class DurableFile
{
    private const int ReadOnly = 0; // O_RDONLY
    private const int Directory = 0x10000; // O_DIRECTORY (Linux)
    private const int CloseOnExec = 0x80000; // O_CLOEXEC (Linux)

    public static void Write(string path, string content)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(Encoding.UTF8.GetBytes(content));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        SyncFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync(2) of a folder, so the renames in it survive a crash. Windows has no such call: NTFS journals them.</summary>
    /// <exception cref="IOException">The folder cannot be opened or synced: what was renamed there may not be durable.</exception>
    public static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = Open(folder, ReadOnly | Directory | CloseOnExec);
        if (fd < 0) throw new IOException($"cannot open the folder {folder} to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"cannot sync the folder {folder} (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
