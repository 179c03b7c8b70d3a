using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace RaftActors.Actors.Configuration;

/// <summary>
/// Reads typed values under one HOCON path and collects what is wrong with them instead of throwing at the
/// first, each error naming the full path, the value as written and what to write instead. Akka's own getters
/// throw FormatException without the path (or, for sizes, overflow silently), so every value is checked here.
/// </summary>
internal sealed partial class SettingsReader(Config config, string root, List<RaftSettingError> errors)
{
    public string PathOf(string key) => $"{root}.{key}";

    public void Fail(string key, string problem) => errors.Add(new RaftSettingError(PathOf(key), $"{PathOf(key)}: {problem}"));

    public void Fail(string key, string written, string problem) =>
        errors.Add(new RaftSettingError(PathOf(key), $"{PathOf(key)} = {Show(written)}: {problem}"));

    /// <summary>True when an error was recorded for this key already (rules between settings skip it then).</summary>
    public bool Failed(string key) => errors.Exists(e => e.Path == PathOf(key));

    /// <summary>True when the path holds a value in the configuration (or its fallback).</summary>
    public bool Has(string key) => config.HasPath(PathOf(key));

    /// <summary>The value as written, or null (after recording why) when it is missing, empty or not a single value.</summary>
    public string? Raw(string key)
    {
        var value = config.GetValue(PathOf(key));
        if (value is null)
        {
            Fail(key, "is not set");
            return null;
        }
        if (value.IsObject() || value.IsArray())
        {
            Fail(key, $"must be a single value, not {(value.IsArray() ? "a list [ ]" : "an object { }")}");
            return null;
        }
        if (value.IsEmpty || value.GetString() is not { } text)
        {
            Fail(key, "has no value: write one after the =");
            return null;
        }
        return text;
    }

    public string Text(string key) => Raw(key) ?? "";

    /// <summary>HOCON's booleans as Akka reads them: on/off, true/false.</summary>
    public bool Flag(string key, bool fallback)
    {
        switch (Raw(key))
        {
            case null: return fallback;
            case "on" or "true": return true;
            case "off" or "false": return false;
            case var text:
                Fail(key, text, "must be on or off (or true or false)");
                return fallback;
        }
    }

    public ulong Count(string key, ulong min, ulong max, ulong fallback)
    {
        if (Raw(key) is not { } text) return fallback;
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            Fail(key, text, $"must be a whole number{Range(min, max)}");
            return fallback;
        }
        if (value < min || value > max)
        {
            Fail(key, text, $"must be{Range(min, max)}");
            return fallback;
        }
        return value;
    }

    public int Int(string key, int min, int max, int fallback) => (int)Count(key, (ulong)min, (ulong)max, (ulong)fallback);

    /// <summary>A size in bytes with HOCON's units (<c>64KiB</c>, <c>1MiB</c>, <c>128000b</c>), read by Akka's own rules.</summary>
    public long Bytes(string key, long min, long max, long fallback)
    {
        if (Raw(key) is not { } text) return fallback;
        var match = SizePattern().Match(text);
        long value;
        try
        {
            value = match.Success ? config.GetByteSize(PathOf(key)) ?? -1 : -1;
            // Akka multiplies in long without a check: 99999999999TiB wraps around. Recompute it exactly.
            if (match.Success && BigInteger.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * UnitOf(match.Groups[2].Value) != value)
            {
                Fail(key, text, $"is too large: must be{Range(min, max, ShowBytes)}");
                return fallback;
            }
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            Fail(key, text, $"has an unknown unit: use b, KiB, MiB or GiB (or kB, MB, GB), for example {Example(min)}");
            return fallback;
        }
        if (value < 0)
        {
            Fail(key, text, $"is not a size: write a whole number of bytes with an optional unit, for example {Example(min)}");
            return fallback;
        }
        if (value < min || value > max)
        {
            Fail(key, text, $"must be{Range(min, max, ShowBytes)}");
            return fallback;
        }
        return value;
    }

    public TimeSpan Duration(string key, TimeSpan min, TimeSpan max, TimeSpan fallback)
    {
        if (Raw(key) is not { } text) return fallback;
        TimeSpan value;
        try
        {
            value = config.GetTimeSpan(PathOf(key), null, allowInfinite: false);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            Fail(key, text, "is not a duration: write a number and a unit (ms, s, m, h, d), for example 100ms or 3s");
            return fallback;
        }
        if (value < min || value > max)
        {
            Fail(key, text, $"must be from {ShowTime(min)} to {ShowTime(max)}");
            return fallback;
        }
        return value;
    }

    /// <summary>The keys of an object value (null after recording why when it is not an object).</summary>
    public IReadOnlyDictionary<string, HoconValue>? Object(string key)
    {
        var value = config.GetValue(PathOf(key));
        if (value is null || !value.IsObject())
        {
            Fail(key, "must be an object { }, one key = value per entry");
            return null;
        }
        return value.GetObject().Items;
    }

    /// <summary>Keys under <paramref name="key"/> (or the root) that the reference configuration does not know: typos, mostly.</summary>
    public void RejectUnknown(string? key, IReadOnlyCollection<string> known)
    {
        var path = key is null ? root : PathOf(key);
        if (config.GetValue(path) is not { } value || !value.IsObject()) return;
        foreach (var name in value.GetObject().Items.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal))
        {
            var full = key is null ? name : $"{key}.{name}";
            var near = known.Where(k => Distance(k, name) <= 3).OrderBy(k => Distance(k, name)).FirstOrDefault();
            Fail(full, $"is not a RaftActors setting{(near is null ? "" : $": did you mean {(key is null ? "" : key + ".")}{near}?")} (see raftactors.conf)");
        }
    }

    /// <summary>A value as written, quoted unless it is a plain word or number, cut short and without control characters.</summary>
    public static string Show(string written)
    {
        var text = new string([.. written.Select(c => char.IsControl(c) ? '?' : c)]);
        if (text.Length > 60) text = text[..57] + "...";
        return PlainPattern().IsMatch(text) ? text : $"\"{text}\"";
    }

    public static string ShowBytes(long bytes) => bytes switch
    {
        >= 1024 * 1024 * 1024 when bytes % (1024 * 1024 * 1024) == 0 => $"{bytes / (1024 * 1024 * 1024)}GiB",
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)}MiB",
        >= 1024 when bytes % 1024 == 0 => $"{bytes / 1024}KiB",
        _ => $"{bytes}b",
    };

    private static string ShowTime(TimeSpan time) =>
        time.TotalSeconds >= 1 && time.TotalSeconds % 1 == 0 ? $"{time.TotalSeconds}s" : $"{time.TotalMilliseconds}ms";

    private static string Range(ulong min, ulong max) => Range((long)Math.Min(min, long.MaxValue), (long)Math.Min(max, long.MaxValue), n => n.ToString(CultureInfo.InvariantCulture));

    private static string Range(long min, long max, Func<long, string> show) =>
        max == long.MaxValue ? $" {show(min)} or more" : $" from {show(min)} to {show(max)}";

    private static string Example(long min) => min > 1024 * 1024 ? "4MiB" : "64KiB";

    private static BigInteger UnitOf(string unit) =>
        unit.Length == 0 ? 1 : ConfigurationFactory.ParseString($"u = 1{unit}").GetByteSize("u") ?? throw new FormatException(unit);

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }

    /// <summary>A dotted HOCON path of plain keys, such as a plugin id.</summary>
    public static bool IsHoconPath(string text) => HoconPathPattern().IsMatch(text);

    [GeneratedRegex(@"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")]
    private static partial Regex HoconPathPattern();

    [GeneratedRegex(@"^\s*([0-9]+)\s*([A-Za-z]*)\s*$")]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"^[A-Za-z0-9._:-]+$")]
    private static partial Regex PlainPattern();
}
