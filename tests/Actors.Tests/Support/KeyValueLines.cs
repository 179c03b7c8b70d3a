using System.Text;

namespace RaftActors.Actors.Tests.Support;

/// <summary>The snapshot format of the test services: one <c>key=value</c> per line.</summary>
internal static class KeyValueLines
{
    public static async Task<string> ReadAllAsync(Stream source, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(source, Encoding.UTF8, leaveOpen: true);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    /// <summary>Replaces the content of <paramref name="data"/> with the pairs in <paramref name="text"/>.</summary>
    public static void ParseInto(string text, IDictionary<string, string> data)
    {
        data.Clear();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            data[line[..eq]] = line[(eq + 1)..];
        }
    }
}
