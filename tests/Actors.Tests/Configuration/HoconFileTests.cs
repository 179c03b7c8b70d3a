using System.Text;
using RaftActors.Actors.Configuration;

namespace RaftActors.Actors.Tests.Configuration;

/// <summary>
/// A HOCON file is checked before Akka's parser sees it: that parser accepts a truncated file without a word
/// and never returns on some broken ones, so each of those gets an error naming the file and line instead.
/// </summary>
public sealed class HoconFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("raft-hocon-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("akka.raft { node-id = 1", "t.conf:1: '{' is never closed (is the file cut short?)")]
    [InlineData("akka.raft {\n peers = [1, }", "t.conf:2: '}' closes the '[' of line 2")]
    [InlineData("a = 1\n}", "t.conf:2: '}' closes nothing")]
    [InlineData("a = ${?HOME}", "t.conf:1: optional substitutions ${?...} are not supported")]
    [InlineData("a = ${b", "t.conf:1: a substitution ${...} is not closed on its line")]
    [InlineData("roles = [ra?ft, web]", "t.conf:1: '?' cannot stand unquoted in a list [ ]: put the value in quotes")]
    [InlineData("a = [x = 1]", "t.conf:1: '=' cannot stand unquoted in a list")]
    [InlineData("a = [b:c]", "t.conf:1: ':' cannot stand unquoted in a list")]
    [InlineData("b = ${{a}", "t.conf:1: a substitution must hold a path, such as ${akka.raft.node-id}")]
    [InlineData("a = \"open", "t.conf:1: a string is not closed on its line")]
    [InlineData("a = \"\"\"open", "t.conf:1: a \"\"\" string is never closed")]
    [InlineData("include \"raftactors.conf\"", "t.conf:1: include is not supported")]
    [InlineData("a {\n  include file(\"x.conf\")\n}", "t.conf:2: include is not supported")]
    [InlineData("a = 1\0", "t.conf:1: control character U+0000")]
    [InlineData("akka.raft.node-id = ", "t.conf: akka.raft.node-id has no value")]
    [InlineData("some words", "t.conf: \"some words\" has no value")]
    [InlineData("a = [1, ]\nb = [ , 2]", "t.conf: b has an empty element 0 in its list")]
    [InlineData("a = ${missing}", "t.conf: not valid HOCON: Unresolved substitution: missing")]
    public void Broken_text_is_refused_with_the_file_and_line(string text, string message)
    {
        var ex = Assert.Throws<RaftConfigurationException>(() => HoconFile.Parse(text, "t.conf"));
        Assert.Contains(ex.Errors, e => e.Message.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("# include \"x\"\na = \"include \\\"y\\\"\"\nb = 1 // { not a bracket")]
    [InlineData("a = \"\"\"multi\nline { [ \"\"\"\nb = ${a}")]
    [InlineData("\uFEFFakka.raft.node-id = 2")]
    [InlineData("a.included = on\nincludes = 1")]
    [InlineData("a = [{ b = 1 }, \"c = d?\", ${x}]\nx = 1")]
    public void Comments_strings_and_substitutions_are_not_mistaken_for_syntax(string text) => HoconFile.Parse(text, "t.conf");

    [Fact]
    public void A_file_is_read_and_parsed()
    {
        var path = Path.Combine(_dir, "node.conf");
        File.WriteAllText(path, "akka.raft.node-id = 4\n");
        Assert.Equal(4, HoconFile.Load(path).GetInt("akka.raft.node-id"));
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(_dir, "missing.conf");
        var ex = Assert.Throws<RaftConfigurationException>(() => HoconFile.Load(path));
        Assert.Equal($"{path}: no such file", ex.Message);
    }

    [Fact]
    public void A_file_too_large_for_settings_is_refused_before_it_is_read()
    {
        var path = Path.Combine(_dir, "big.conf");
        File.WriteAllText(path, new string('#', HoconFile.MaxBytes + 1));
        Assert.Contains("too large for a settings file", Assert.Throws<RaftConfigurationException>(() => HoconFile.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_are_refused()
    {
        var path = Path.Combine(_dir, "binary.conf");
        File.WriteAllBytes(path, [0x61, 0x20, 0x3d, 0x20, 0xC3, 0x28]);
        Assert.Equal($"{path}: is not UTF-8 text", Assert.Throws<RaftConfigurationException>(() => HoconFile.Load(path)).Message);
    }

    /// <summary>
    /// Cuts and garbles a node file with lists and a substitution at random places: each result is either parsed
    /// or refused, in bounded time. Akka's parser alone never returns, allocating memory as it loops, on seeds 242
    /// ('?' in a list), 551 ('[' closed by '}') and 644 ('=' in a list). The seed is in the failure message.
    /// </summary>
    [Fact]
    public async Task Truncated_and_garbled_files_are_parsed_or_refused_and_never_hang()
    {
        var reference = File.ReadAllText(Path.Combine(ConfigFixtures.HoconDirectory, "node1.conf"))
            + "\nakka.cluster.roles = [raft, web]\nakka.cluster.seed-nodes = [\"akka.tcp://raft@127.0.0.1:7001\", \"akka.tcp://raft@127.0.0.1:7002\"]\nb = ${akka.raft.node-id}\n";
        const string Noise = "{}[],=:\"$?#/\n x1";
        for (var seed = 1; seed <= 1000; seed++)
        {
            var random = new Random(seed);
            var text = new StringBuilder(reference[..(random.Next(2) == 0 ? reference.Length : random.Next(reference.Length))]);
            for (var edits = random.Next(1, 4); edits > 0 && text.Length > 0; edits--)
            {
                var at = random.Next(text.Length);
                if (random.Next(2) == 0) text.Remove(at, Math.Min(text.Length - at, random.Next(1, 8)));
                else text.Insert(at, Noise[random.Next(Noise.Length)]);
            }
            var input = text.ToString();
            var parse = Task.Run(() =>
            {
                try
                {
                    HoconFile.Parse(input, "fuzz.conf");
                }
                catch (RaftConfigurationException)
                {
                }
            });
            var finished = await Task.WhenAny(parse, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.True(finished == parse, $"seed {seed}: parsing did not finish:\n{input}");
            await parse;
        }
    }
}
