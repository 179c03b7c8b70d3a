using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;

namespace RaftActors.Host.Configuration;

/// <summary>Checks the options at start-up (ValidateOnStart); every failure says which switch to fix and how.</summary>
internal sealed class NodeHostOptionsValidator : IValidateOptions<NodeHostOptions>
{
    /// <summary>The console formatters the host can use (Microsoft.Extensions.Logging.Console's names).</summary>
    public static readonly string[] LogFormats = ["simple", "json", "systemd"];

    public ValidateOptionsResult Validate(string? name, NodeHostOptions options)
    {
        var errors = new List<string>();
        if (options.HttpPort is < 0 or > 65535) errors.Add($"--http-port {options.HttpPort} is not a port: use 0..65535 (0 picks a free one)");
        if (options.NodeId == 0) errors.Add("--node-id must be 1 or more");
        if (!System.Net.IPAddress.TryParse(options.HttpBind, out _)) errors.Add($"--http-bind '{options.HttpBind}' must be an IP address, for example 127.0.0.1 or 0.0.0.0");
        if (!PeerAddress.TryNormalize(options.Host, out _, out var hostError)) errors.Add($"--host: {hostError}");
        if (options.HttpUrl is { } url && !IsHttpUrl(url)) errors.Add($"--http-url '{url}' must be an absolute http:// or https:// URL");
        if (string.IsNullOrWhiteSpace(options.DataDir)) errors.Add("--data-dir must name a folder");
        if (string.IsNullOrWhiteSpace(options.ClusterId)) errors.Add("--cluster-id must not be empty");
        if (options.Secret is { } secret && Encoding.UTF8.GetByteCount(secret) < 16)
        {
            errors.Add("--secret must be at least 16 bytes long (or leave it out to have one generated in the data folder)");
        }
        if ((options.Cluster || options.Join) && options.Secret is null)
        {
            errors.Add($"--{(options.Join ? "join" : "cluster")} needs --secret, the same on every member (or set RAFTACTORS_Node__Secret)");
        }
        ValidateTokens(options, errors);
        if (options.MaxBodyBytes is < 1024 or > 16 * 1024 * 1024) errors.Add("--max-body-bytes must be between 1024 and 16777216");
        if (options.TickMilliseconds is < 10 or > 10_000) errors.Add("--tick-ms must be between 10 and 10000");
        if (options.SnapshotEvery == 0) errors.Add("--snapshot-every must be 1 or more");
        if (options.LogFormat is { } format && !LogFormats.Contains(format, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"--log-format (or Logging:Console:FormatterName) '{format}' is unknown: use {string.Join(", ", LogFormats)}");
        }
        if (options.Join && options.Cluster) errors.Add("--join and --cluster exclude each other: a joining node is given its membership by --target");
        if (options.Join && (options.Target is null || !IsHttpUrl(options.Target)))
        {
            errors.Add("--join needs --target, the HTTP URL of a member (for example http://127.0.0.1:8081)");
        }
        if (!options.Join && options.Target is not null) errors.Add("--target is used only with --join");
        if (options.Cluster) ValidatePeers(options, errors);
        else if (!string.IsNullOrWhiteSpace(options.Peers) || !string.IsNullOrWhiteSpace(options.Keys))
        {
            errors.Add("--peers and --keys need --cluster (a standalone node has no peers; others join it)");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The tokens' rules, and loopback unless both are set or serving without them is explicit. Never names a token's value.</summary>
    private static void ValidateTokens(NodeHostOptions options, List<string> errors)
    {
        foreach (var (name, token) in new[] { ("--admin-token", options.AdminToken), ("--client-token", options.ClientToken) })
        {
            if (token is null) continue;
            if (Encoding.UTF8.GetByteCount(token) < 16 || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                errors.Add($"{name} must be at least 16 bytes long, without spaces or control characters");
            }
        }
        if (options.AdminToken is not null && options.AdminToken == options.ClientToken)
        {
            errors.Add("--admin-token and --client-token must differ: a client could otherwise change the membership");
        }
        if (System.Net.IPAddress.TryParse(options.HttpBind, out var bind) && !System.Net.IPAddress.IsLoopback(bind)
            && (options.AdminToken is null || options.ClientToken is null) && !options.AllowUnauthenticated)
        {
            var missing = string.Join(" and ", new[] { options.AdminToken is null ? "--admin-token" : null, options.ClientToken is null ? "--client-token" : null }.OfType<string>());
            errors.Add($"--http-bind {options.HttpBind} serves the HTTP API beyond this machine without {missing}: give {missing}, or --allow-unauthenticated to serve it open");
        }
    }

    private static void ValidatePeers(NodeHostOptions options, List<string> errors)
    {
        try
        {
            var peers = ParsePeers(options);
            if (!peers.TryGetValue(options.NodeId, out var own))
            {
                errors.Add($"--keys must include this node's id {options.NodeId.ToString(CultureInfo.InvariantCulture)} (with its address in --peers)");
            }
            else if (PeerAddress.TryNormalize(options.Host, out var host, out _) && !string.Equals(own, host, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"--peers gives node {options.NodeId} the address {own} but --host says {host}: make them the same");
            }
        }
        catch (FormatException ex)
        {
            errors.Add(ex.Message);
        }
    }

    /// <summary>The founding members, id → normalised peer address, including this node.</summary>
    public static Dictionary<ulong, string> ParsePeers(NodeHostOptions options)
    {
        var addresses = Split(options.Peers);
        var keys = Split(options.Keys);
        if (addresses.Length == 0) throw new FormatException("--cluster needs --peers, the comma-separated peer addresses of all founding members");
        if (keys.Length != addresses.Length)
        {
            throw new FormatException($"--keys has {keys.Length} ids but --peers has {addresses.Length} addresses: give one id per address, in the same order");
        }
        var result = new Dictionary<ulong, string>();
        for (var i = 0; i < keys.Length; i++)
        {
            if (!ulong.TryParse(keys[i], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
            {
                throw new FormatException($"--keys: '{keys[i]}' is not a node id (a whole number from 1)");
            }
            if (!PeerAddress.TryNormalize(addresses[i], out var address, out var error)) throw new FormatException($"--peers: {error}");
            if (!result.TryAdd(id, address)) throw new FormatException($"--keys names node {id} twice: ids must be unique");
        }
        if (result.Values.Distinct(StringComparer.OrdinalIgnoreCase).Count() != result.Count)
        {
            throw new FormatException("--peers lists one address twice: each node needs its own address");
        }
        return result;
    }

    private static string[] Split(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
