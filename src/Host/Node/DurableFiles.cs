using System.Runtime.InteropServices;

namespace RaftActors.Host.Node;

/// <summary>
/// Crash-safe file changes in the data folder: a file is written to a temporary file created owner-only (600)
/// from the start, fsynced and renamed over the old one; a rename becomes durable once its folder is fsynced
/// too (POSIX keeps directory entries in the directory's own data). .NET cannot open a directory as a
/// FileStream on Linux, so the folder is opened and fsynced through libc.
/// </summary>
internal static partial class DurableFiles
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const int ReadOnly = 0; // O_RDONLY
    private const int Directory = 0x10000; // O_DIRECTORY (Linux)
    private const int CloseOnExec = 0x80000; // O_CLOEXEC (Linux)

    /// <summary>Raised after a folder was fsynced: lets tests see that a change was made durable.</summary>
    internal static event Action<string>? FolderSynced;

    /// <summary>Replaces <paramref name="path"/> with what <paramref name="write"/> writes: the old content or the new, never half, never readable by others.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var temporary = path + ".tmp";
        // A temporary file left by a crash may have any mode, and a create mode applies only to a new file.
        File.Delete(temporary);
        using (var stream = CreateOwnerOnly(temporary))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        SyncFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>A new file, readable and writable by its owner only from the moment it exists.</summary>
    internal static FileStream CreateOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        return new FileStream(path, options);
    }

    /// <summary>Renames a folder and makes the rename durable.</summary>
    public static void MoveFolder(string from, string to)
    {
        System.IO.Directory.Move(from, to);
        SyncFolder(Path.GetDirectoryName(Path.GetFullPath(to))!);
    }

    /// <summary>fsync(2) of a folder, so the renames and deletions in it survive a crash. Windows has no such call: NTFS journals them.</summary>
    /// <exception cref="IOException">The folder cannot be opened or synced.</exception>
    public static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsWindows())
        {
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
        FolderSynced?.Invoke(folder);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
