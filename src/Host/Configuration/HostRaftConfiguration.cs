using System.Text;
using Akka.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Options;
using RaftActors.Actors;
using RaftActors.Actors.Configuration;

namespace RaftActors.Host.Configuration;

/// <summary>
/// The node's HOCON: the <c>--config</c> HOCON file, then what the eosc switches (or the environment, or a JSON
/// file) set, mapped onto <c>akka.raft.*</c> and <c>akka.remote.dot-netty.tcp</c>, over the host's defaults and
/// raftactors.conf. Read and checked once at start as <see cref="RaftSettings"/>; bad values stop the host with
/// exit code 2 and a message naming the HOCON path, and the switch when a switch set it.
/// </summary>
internal sealed class HostRaftConfiguration
{
    /// <summary>Keys of the Node section that are Raft settings, and the HOCON paths they set.</summary>
    private static readonly (string Key, string[] Paths)[] Mapped =
    [
        (nameof(NodeHostOptions.NodeId), ["akka.raft.node-id"]),
        (nameof(NodeHostOptions.Host), ["akka.remote.dot-netty.tcp.hostname", "akka.remote.dot-netty.tcp.port"]),
        (nameof(NodeHostOptions.Peers), ["akka.raft.peers"]),
        (nameof(NodeHostOptions.Keys), ["akka.raft.peers"]),
        (nameof(NodeHostOptions.Join), ["akka.raft.join"]),
        (nameof(NodeHostOptions.DataDir), ["akka.raft.data-dir"]),
        (nameof(NodeHostOptions.ClusterId), ["akka.raft.cluster-id"]),
        (nameof(NodeHostOptions.Secret), ["akka.raft.secret"]),
        (nameof(NodeHostOptions.TickMilliseconds), ["akka.raft.tick-interval"]),
        (nameof(NodeHostOptions.SnapshotEvery), ["akka.raft.snapshot-every", "akka.raft.keep-entries-after-snapshot"]),
        (nameof(NodeHostOptions.AdminToken), [AdminTokenPath]),
        (nameof(NodeHostOptions.ClientToken), [ClientTokenPath]),
    ];

    /// <summary>The HTTP API's tokens in a HOCON file: host settings, not Raft ones, so outside akka.raft.</summary>
    public const string AdminTokenPath = "raftactors.http.admin-token";
    public const string ClientTokenPath = "raftactors.http.client-token";

    /// <summary>Stands in for a secret the host generates at first start, so the rest can be checked before.</summary>
    private const string StandInSecret = "akka.raft.secret = \"generated-at-first-start\"\n";

    private readonly string _hocon;
    private readonly string _defaults = HostHocon.Defaults();
    private readonly HashSet<string> _given;

    private HostRaftConfiguration(string? file, string hocon, HashSet<string> given)
    {
        File = file;
        _hocon = hocon;
        _given = given;
        var secret = Merge("").GetString("akka.raft.secret") ?? "";
        SecretGiven = secret.Length > 0;
        Settings = RaftSettings.Create(Merge(SecretGiven ? "" : StandInSecret));
    }

    /// <summary>The HOCON file named by <c>--config</c>, or null.</summary>
    public string? File { get; }

    /// <summary>A secret came from the file, a switch or the environment; otherwise the host generates one.</summary>
    public bool SecretGiven { get; }

    /// <summary>The settings as configured (with a stand-in secret when <see cref="SecretGiven"/> is false).</summary>
    public RaftSettings Settings { get; }

    /// <summary>The whole HOCON (akka.raft, akka.remote and anything else the file sets), the host's defaults under it.</summary>
    public Config Config => Merge("");

    /// <summary>Reads and checks the node's HOCON; <paramref name="options"/> take the file's values (switches still win).</summary>
    /// <exception cref="OptionsValidationException">A value is bad: each failure says what to fix.</exception>
    public static HostRaftConfiguration Resolve(IConfigurationRoot configuration, NodeHostOptions options, string? hoconFile)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var section = configuration.GetSection(NodeHostOptions.Section);
        var given = Mapped.Select(m => m.Key).Where(key => section[key] is not null).ToHashSet();
        var fileText = "";
        if (hoconFile is not null)
        {
            try
            {
                fileText = HoconFile.ReadText(hoconFile);
            }
            catch (RaftConfigurationException ex)
            {
                throw Invalid(ex.Errors.Select(e => $"--config {e.Message}"));
            }
        }
        var errors = new List<string>();
        var switches = Render(options, given, fileText, errors);
        if (errors.Count > 0) throw Invalid(errors);
        HostRaftConfiguration result;
        try
        {
            result = new HostRaftConfiguration(hoconFile, $"{fileText}\n{switches}", given);
        }
        catch (RaftConfigurationException ex)
        {
            throw Invalid(ex.Errors.Select(e => WithSource(e, given, configuration)));
        }
        if (hoconFile is not null)
        {
            HostRules.Check(result.Settings, given, errors);
            if (errors.Count > 0) throw Invalid(errors);
            result.ApplyTo(options);
        }
        return result;
    }

    /// <summary>
    /// Puts the HOCON file's Raft values into the host's options, where the rest of the host reads them. Values
    /// set by a switch went into the HOCON last, so they come back unchanged. Without a HOCON file nothing changes.
    /// </summary>
    public void ApplyTo(NodeHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (File is null) return;
        var s = Settings;
        options.NodeId = s.NodeId;
        options.Host = s.ListenAddress;
        if (!_given.Contains(nameof(NodeHostOptions.Peers)) && !_given.Contains(nameof(NodeHostOptions.Keys)) && s.Peers.Count > 0)
        {
            // eosc's --peers and --keys list every founding member, this node too.
            var members = s.Peers.Append(new(s.NodeId, s.ListenAddress)).OrderBy(p => p.Key).ToList();
            options.Cluster = true;
            options.Peers = string.Join(',', members.Select(p => p.Value));
            options.Keys = string.Join(',', members.Select(p => HostHocon.Number(p.Key)));
        }
        options.Join = s.Join;
        options.DataDir = s.DataDirectory;
        options.ClusterId = s.ClusterId;
        options.Secret = SecretGiven ? s.Secret : null;
        options.TickMilliseconds = (int)s.TickInterval.TotalMilliseconds;
        options.SnapshotEvery = s.SnapshotEvery;
        var config = Config;
        if (!_given.Contains(nameof(NodeHostOptions.AdminToken)) && config.HasPath(AdminTokenPath)) options.AdminToken = config.GetString(AdminTokenPath);
        if (!_given.Contains(nameof(NodeHostOptions.ClientToken)) && config.HasPath(ClientTokenPath)) options.ClientToken = config.GetString(ClientTokenPath);
    }

    /// <summary>
    /// The HOCON of one incarnation of the node: what only the start can tell (the id a restart or a join
    /// settled on, the founders, the journal folder, the secret, maybe generated) over the configured HOCON.
    /// </summary>
    public Config ConfigFor(ulong nodeId, IReadOnlyDictionary<ulong, string> founders, bool join, string journalDirectory, string secret)
    {
        ArgumentNullException.ThrowIfNull(founders);
        var start = new StringBuilder()
            .Append(HostHocon.Setting("node-id", HostHocon.Number(nodeId)))
            .Append(HostHocon.Setting("join", HostHocon.Flag(join)))
            .Append(HostHocon.Setting("data-dir", HostHocon.Quote(journalDirectory)))
            .Append(HostHocon.Setting("secret", HostHocon.Quote(secret)))
            .Append(HostHocon.Peers(founders));
        return Merge(start.ToString());
    }

    /// <summary>The RaftNode options of one incarnation (see <see cref="ConfigFor"/>), checked as RaftSettings.</summary>
    public RaftNodeOptions NodeOptionsFor(ulong nodeId, IReadOnlyDictionary<ulong, string> founders, bool join, string journalDirectory, string secret, TimeProvider clock) =>
        RaftSettings.Create(ConfigFor(nodeId, founders, join, journalDirectory, secret)).ToNodeOptions(clock);

    private Config Merge(string extra) =>
        ConfigurationFactory.ParseString($"{_hocon}\n{extra}").WithFallback(ConfigurationFactory.ParseString(_defaults));

    /// <summary>What the switches (and the environment, and a JSON file) set, as HOCON to go after the file's text.</summary>
    private static string Render(NodeHostOptions o, HashSet<string> given, string fileText, List<string> errors)
    {
        var text = new StringBuilder();
        if (given.Contains(nameof(o.NodeId))) text.Append(HostHocon.Setting("node-id", HostHocon.Number(o.NodeId)));
        if (given.Contains(nameof(o.Host)))
        {
            if (PeerAddress.TryNormalize(o.Host, out var address, out var error)) text.Append(HostHocon.Listen(address));
            else errors.Add($"--host: {error}");
        }
        if (given.Contains(nameof(o.Peers)) || given.Contains(nameof(o.Keys)))
        {
            try
            {
                text.Append(HostHocon.Peers(NodeHostOptionsValidator.ParsePeers(o)));
            }
            catch (FormatException ex)
            {
                errors.Add(ex.Message);
            }
        }
        if (given.Contains(nameof(o.Join))) text.Append(HostHocon.Setting("join", HostHocon.Flag(o.Join)));
        if (given.Contains(nameof(o.DataDir))) text.Append(HostHocon.Setting("data-dir", HostHocon.Quote(o.DataDir)));
        if (given.Contains(nameof(o.ClusterId))) text.Append(HostHocon.Setting("cluster-id", HostHocon.Quote(o.ClusterId)));
        if (given.Contains(nameof(o.Secret)) && o.Secret is { } secret)
        {
            // Akka's HOCON trims quoted strings: such a secret would not be the one the other members were given.
            if (secret.Trim().Length != secret.Length) errors.Add("--secret must not start or end with spaces");
            else text.Append(HostHocon.Setting("secret", HostHocon.Quote(secret)));
        }
        if (given.Contains(nameof(o.TickMilliseconds))) text.Append(HostHocon.Setting("tick-interval", $"{o.TickMilliseconds}ms"));
        if (given.Contains(nameof(o.SnapshotEvery)))
        {
            text.Append(HostHocon.Setting("snapshot-every", HostHocon.Number(o.SnapshotEvery)));
            // The host has always kept as many entries after a snapshot as it takes one after, unless the file says otherwise.
            if (!ConfigurationFactory.ParseString(fileText).HasPath("akka.raft.keep-entries-after-snapshot"))
            {
                text.Append(HostHocon.Setting("keep-entries-after-snapshot", HostHocon.Number(o.SnapshotEvery)));
            }
        }
        return text.ToString();
    }

    /// <summary>The message, and the switch (or variable, or JSON key) behind the value when it did not come from the HOCON file.</summary>
    private static string WithSource(RaftSettingError error, HashSet<string> given, IConfigurationRoot configuration)
    {
        var key = Mapped.FirstOrDefault(m => given.Contains(m.Key)
            && m.Paths.Any(p => error.Path == p || error.Path.StartsWith($"{p}.", StringComparison.Ordinal))).Key;
        return key is null ? error.Message : $"{error.Message} (given as {SourceOf(key, configuration)})";
    }

    private static string SourceOf(string key, IConfigurationRoot configuration)
    {
        var path = $"{NodeHostOptions.Section}:{key}";
        return configuration.Providers.Reverse().FirstOrDefault(p => p.TryGet(path, out _)) switch
        {
            CommandLineConfigurationProvider => HostConfiguration.SwitchFor(key),
            EnvironmentVariablesConfigurationProvider => $"{HostConfiguration.EnvironmentPrefix}{NodeHostOptions.Section}__{key}",
            FileConfigurationProvider file => $"{path} in {file.Source.Path}",
            _ => path,
        };
    }

    private static OptionsValidationException Invalid(IEnumerable<string> failures) =>
        new(NodeHostOptions.Section, typeof(NodeHostOptions), [.. failures]);
}
