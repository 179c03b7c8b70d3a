namespace RaftActors.Core.Tests.Scripts;

/// <summary>
/// Runs every tests/Core.Tests/testdata/*.txt script (etcd's interaction tests, in text). On a mismatch the
/// test fails with a line diff; with <c>RAFT_REWRITE=1</c> the actual output is written back into the source
/// file instead, to be read and checked before it is committed.
/// </summary>
public sealed class ScriptTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(TestDataDirectory(), "*.txt").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_output_matches_the_expected_output(string name)
    {
        var path = Path.Combine(TestDataDirectory(), name);
        var text = File.ReadAllText(path);
        var blocks = ScriptFile.Parse(text, name);
        var runner = new ScriptRunner();
        var results = blocks.Select(b => (b, runner.Run(b.Command))).ToList();
        var actual = ScriptFile.Render(results);
        if (Environment.GetEnvironmentVariable("RAFT_REWRITE") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        if (actual != text.Replace("\r\n", "\n", StringComparison.Ordinal))
        {
            var firstBad = results.FirstOrDefault(r => r.Item2 != r.b.Expected);
            var where = firstBad.b is { } bad ? $" (first difference in '{bad.Command}' at line {bad.Line})" : "";
            Assert.Fail($"{name}: output differs{where}; RAFT_REWRITE=1 rewrites it\n{ScriptFile.Diff(text.TrimEnd('\n'), actual.TrimEnd('\n'))}");
        }
    }

    /// <summary>The source testdata folder, found by walking up from the test binaries (it is not copied to the output).</summary>
    private static string TestDataDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Core.Tests", "testdata");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"no tests/Core.Tests/testdata above {AppContext.BaseDirectory}");
    }
}
