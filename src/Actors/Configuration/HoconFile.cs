using System.Text;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace RaftActors.Actors.Configuration;

/// <summary>
/// Reads a HOCON file (or text) for <see cref="RaftSettings.Create"/> with Akka's own parser, after checks
/// that turn what that parser would accept silently, or never finish, into an error naming the line: a
/// truncated file, mismatched brackets, a key without a value, binary bytes, a file too large to be settings.
/// </summary>
public static class HoconFile
{
    /// <summary>Settings, not data: a larger file is refused before it is read.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <exception cref="RaftConfigurationException">The file is missing, unreadable or not valid HOCON; the message says where.</exception>
    public static Config Load(string path) => ConfigurationFactory.ParseString(ReadText(path));

    /// <summary>
    /// The text of a HOCON file, checked as <see cref="Load"/> checks it: for callers that append settings to it
    /// as text, where HOCON's <c>key = null</c> then <c>key { }</c> replaces an object instead of merging it.
    /// </summary>
    /// <exception cref="RaftConfigurationException">The file is missing, unreadable or not valid HOCON; the message says where.</exception>
    public static string ReadText(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new RaftConfigurationException(path, $"{path}: no such file");
            if (info.Length > MaxBytes) throw new RaftConfigurationException(path, $"{path}: {info.Length} bytes is too large for a settings file (at most {MaxBytes})");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RaftConfigurationException(path, $"{path}: cannot be read: {ex.Message}");
        }
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new RaftConfigurationException(path, $"{path}: is not UTF-8 text");
        }
        Parse(text, path);
        return text.TrimStart('\uFEFF');
    }

    /// <param name="text">The HOCON text.</param>
    /// <param name="source">Names the text in error messages (a file name).</param>
    /// <exception cref="RaftConfigurationException">The text is not valid HOCON; the message says where.</exception>
    public static Config Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        if (text.Length > MaxBytes) throw new RaftConfigurationException(source, $"{source}: {text.Length} characters is too large for settings (at most {MaxBytes})");
        var errors = new List<RaftSettingError>();
        HoconText.Check(text.TrimStart('\uFEFF'), source, errors);
        if (errors.Count > 0) throw new RaftConfigurationException(errors);
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(text.TrimStart('\uFEFF'));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new RaftConfigurationException(source, $"{source}: not valid HOCON: {ex.Message.Split('\n')[0].Trim()}");
        }
        FindMissingValues(config.Root, "", source, errors);
        return errors.Count == 0 ? config : throw new RaftConfigurationException(errors);
    }

    /// <summary>Akka's parser keeps <c>key =</c> with nothing after it (or a stray word) as a key without a value.</summary>
    private static void FindMissingValues(HoconValue value, string path, string source, List<RaftSettingError> errors)
    {
        if (value.IsObject())
        {
            foreach (var (key, child) in value.GetObject().Items)
            {
                var childPath = path.Length == 0 ? Quote(key) : $"{path}.{Quote(key)}";
                if (child.IsEmpty) errors.Add(new RaftSettingError(childPath, $"{source}: {childPath} has no value: write one after it, or remove the line"));
                else FindMissingValues(child, childPath, source, errors);
            }
        }
        else if (value.IsArray())
        {
            var items = value.GetArray();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i].IsEmpty) errors.Add(new RaftSettingError(path, $"{source}: {path} has an empty element {i} in its list"));
                else FindMissingValues(items[i], $"{path}[{i}]", source, errors);
            }
        }
    }

    private static string Quote(string key) => key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? key : $"\"{key}\"";
}
