using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RaftActors.Host.Configuration;
using RaftActors.Host.Diagnostics;

namespace RaftActors.Host.Api;

/// <summary>
/// The bearer tokens of the HTTP API, as an endpoint filter on the <c>/raft/api</c> group: the membership and
/// control endpoints need <c>--admin-token</c>, set and get need <c>--client-token</c>, each when it is set.
/// A missing or wrong token is answered 401 with the envelope. Tokens are compared as SHA-256 hashes with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>: the time taken says nothing about the token, not even
/// its length. No token is ever logged or echoed.
/// </summary>
internal sealed class ApiAuthorization : IEndpointFilter
{
    /// <summary>Not an eosc code (eosc had no authentication): the 13xxxx family is RaftActors' own.</summary>
    public const string Unauthorized = "130001";

    /// <summary>Route pattern → which token it needs (routing matches paths case-insensitively; so does this).</summary>
    private static readonly Dictionary<string, bool> Protected = new(StringComparer.OrdinalIgnoreCase)
    {
        ["/raft/api/addNode"] = true,
        ["/raft/api/deleteNode"] = true,
        ["/raft/api/transferLeader"] = true,
        ["/raft/api/leave"] = true,
        ["/raft/api/set"] = false,
        ["/raft/api/get"] = false,
    };

    private readonly byte[]? _admin;
    private readonly byte[]? _client;
    private readonly ILogger _log;

    public ApiAuthorization(IOptions<NodeHostOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _admin = Hash(options.Value.AdminToken);
        _client = Hash(options.Value.ClientToken);
        _log = loggerFactory.CreateLogger("RaftActors.Host.Api");
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        if (pattern is null || !Protected.TryGetValue(pattern, out var admin)) return await next(context).ConfigureAwait(false);
        var expected = admin ? _admin : _client;
        if (expected is null || Matches(http.Request.Headers.Authorization, expected)) return await next(context).ConfigureAwait(false);
        var name = admin ? "--admin-token" : "--client-token";
        LogMessages.RequestFailed(_log, http.Request.Method, http.Request.Path, 401, Unauthorized, $"missing or wrong bearer token ({name})");
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Reject($"this endpoint needs 'Authorization: Bearer <token>' with the node's {name}");
    }

    /// <summary>True when the header is exactly one <c>Bearer</c> credential whose token hashes to <paramref name="expected"/>.</summary>
    internal static bool Matches(Microsoft.Extensions.Primitives.StringValues header, byte[] expected)
    {
        const string Scheme = "Bearer ";
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = Hash(value[Scheme.Length..].Trim())!;
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }

    internal static byte[]? Hash(string? token) => token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static JsonHttpResult<Envelope<Dictionary<string, string>>> Reject(string message) =>
        TypedResults.Json(new Envelope<Dictionary<string, string>>(Unauthorized, "unauthorized", null, message), HostJson.Default.Options, statusCode: 401);
}
