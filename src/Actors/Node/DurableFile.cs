using System.Text;

namespace RaftActors.Actors;

/// <summary>Replaces a small file so that a crash leaves either the old or the new content, never a torn one.</summary>
internal static class DurableFile
{
    public static void Write(string path, string content)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(Encoding.UTF8.GetBytes(content));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
