namespace RaftActors.Actors.Configuration;

/// <summary>
/// Checks HOCON text for what Akka's parser mishandles before it is handed to it: Akka's parser accepts
/// a truncated file (an unclosed <c>{</c> or a key without a value) without a word, loops for ever allocating
/// memory on some mismatched brackets (<c>[1, }</c>), on a character such as <c>=</c>, <c>:</c> or <c>?</c>
/// unquoted in a list (<c>[a = 1]</c>) and on optional substitutions (<c>${?x}</c>), and fails
/// with a NullReferenceException on an include it was given no way to resolve.
/// </summary>
internal static class HoconText
{
    private static readonly System.Buffers.SearchValues<char> PathCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.\"");

    public static void Check(string text, string source, List<RaftSettingError> errors)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length && errors.Count == 0; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    break;
                case '"':
                    i = SkipString(text, i, ref line, source, errors);
                    break;
                case '#':
                case '/' when At(text, i + 1) == '/':
                    while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                    break;
                case '$' when At(text, i + 1) == '{':
                    i = SkipSubstitution(text, i, line, source, errors);
                    break;
                case '{' or '[':
                    open.Push((c, line));
                    break;
                case '}' or ']':
                    CheckClose(open, c, line, source, errors);
                    break;
                case 'i' when IsInclude(text, i):
                    Fail(errors, source, line, "include is not supported: put the settings in this file (the defaults of raftactors.conf apply without an include)");
                    break;
                case < ' ' and not '\t' and not '\r':
                    Fail(errors, source, line, $"control character U+{(int)c:X4}: this is not a HOCON text file");
                    break;
                case '?' or '!' or '@' or '*' or '&' or '^' or '\\' or '`' or '=' or ':' or '$' when open.Count > 0 && open.Peek().Bracket == '[':
                    Fail(errors, source, line, $"'{c}' cannot stand unquoted in a list [ ]: put the value in quotes");
                    break;
            }
        }
        if (errors.Count == 0 && open.Count > 0)
        {
            var (bracket, at) = open.Peek();
            Fail(errors, source, at, $"'{bracket}' is never closed (is the file cut short?)");
        }
    }

    private static char At(string text, int i) => i < text.Length ? text[i] : '\0';

    private static int SkipString(string text, int start, ref int line, string source, List<RaftSettingError> errors)
    {
        if (At(text, start + 1) == '"' && At(text, start + 2) == '"')
        {
            var end = text.IndexOf("\"\"\"", start + 3, StringComparison.Ordinal);
            if (end < 0)
            {
                Fail(errors, source, line, "a \"\"\" string is never closed");
                return text.Length;
            }
            line += text.AsSpan(start, end - start).Count('\n');
            return end + 2;
        }
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\') i++;
            else if (text[i] == '"') return i;
            else if (text[i] == '\n') break;
        }
        Fail(errors, source, line, "a string is not closed on its line: add the closing \"");
        return text.Length;
    }

    private static int SkipSubstitution(string text, int start, int line, string source, List<RaftSettingError> errors)
    {
        if (At(text, start + 2) == '?')
        {
            Fail(errors, source, line, "optional substitutions ${?...} are not supported by Akka's HOCON: write ${path} or the value itself");
            return text.Length;
        }
        var end = text.IndexOfAny(['}', '\n'], start);
        if (end < 0 || text[end] != '}')
        {
            Fail(errors, source, line, "a substitution ${...} is not closed on its line");
            return text.Length;
        }
        var path = text.AsSpan(start + 2, end - start - 2);
        if (path.IsEmpty || path.ContainsAnyExcept(PathCharacters))
        {
            Fail(errors, source, line, "a substitution must hold a path, such as ${akka.raft.node-id}");
            return text.Length;
        }
        return end;
    }

    private static void CheckClose(Stack<(char Bracket, int Line)> open, char close, int line, string source, List<RaftSettingError> errors)
    {
        var expected = close == '}' ? '{' : '[';
        if (open.Count == 0)
        {
            Fail(errors, source, line, $"'{close}' closes nothing");
        }
        else if (open.Pop() is var (bracket, at) && bracket != expected)
        {
            Fail(errors, source, line, $"'{close}' closes the '{bracket}' of line {at}");
        }
    }

    /// <summary>The unquoted keyword include, where a key could start, followed by what it includes.</summary>
    private static bool IsInclude(string text, int i)
    {
        if (string.CompareOrdinal(text, i, "include", 0, 7) != 0) return false;
        var before = i - 1;
        while (before >= 0 && text[before] is ' ' or '\t') before--;
        if (before >= 0 && text[before] is not ('\n' or '{' or ',' or '\r')) return false;
        var after = i + 7;
        if (after >= text.Length || text[after] is not (' ' or '\t')) return false;
        while (after < text.Length && text[after] is ' ' or '\t') after++;
        return After(text, after, "\"") || After(text, after, "file(") || After(text, after, "url(")
            || After(text, after, "classpath(") || After(text, after, "required(");
    }

    private static bool After(string text, int i, string word) => string.CompareOrdinal(text, i, word, 0, word.Length) == 0;

    private static void Fail(List<RaftSettingError> errors, string source, int line, string problem) =>
        errors.Add(new RaftSettingError(source, $"{source}:{line}: {problem}"));
}
