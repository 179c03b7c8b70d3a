using System.Text;

namespace RaftActors.Host.Tests.Support;

/// <summary>One generated request: what to send, and which kind of mutation made it.</summary>
internal sealed record FuzzRequest(string Kind, string Method, string Path, string? ContentType, byte[]? Body, IReadOnlyList<(string Name, string Value)> Headers)
{
    /// <summary>Anything but GET and HEAD may write: routing matches methods case-insensitively, so "post" is a POST.</summary>
    public bool IsWrite => !Method.Equals("GET", StringComparison.OrdinalIgnoreCase) && !Method.Equals("HEAD", StringComparison.OrdinalIgnoreCase);

    /// <summary>The endpoint routing will see: the path without its query, unescaped, in lower case (routes ignore case).</summary>
    public string Endpoint => Uri.UnescapeDataString(Path.Split('?')[0]).ToLowerInvariant();

    /// <summary>
    /// A request target Kestrel refuses as malformed HTTP before any application code runs (a NUL once decoded):
    /// it answers a bare 400 and closes the connection, and that answer cannot be given a body.
    /// </summary>
    public bool IsMalformedHttp => Path.Contains("%00", StringComparison.Ordinal);

    public override string ToString()
    {
        var body = Body is null ? "-" : Convert.ToBase64String(Body.AsSpan(0, Math.Min(Body.Length, 300)));
        return $"[{Kind}] {Method} {Path} ct={ContentType ?? "-"} headers={string.Join(";", Headers.Select(h => $"{h.Name}:{h.Value}"))} body(b64)={body}";
    }
}

/// <summary>
/// Generates the fuzz test's requests from one seeded random source: valid requests for every endpoint, then
/// mutated (bytes flipped, cut, inserted, fields duplicated) or sent with a random method, path, query string,
/// header or content type. Written keys come from a known set (<see cref="Keys"/>) so refused writes can be checked.
/// </summary>
internal sealed class HttpFuzzInput(Random random, string joinBody)
{
    public static readonly string[] Keys = [.. Enumerable.Range(0, 8).Select(i => $"fz{i}")];

    public static readonly string[] Kinds = ["flip", "truncate", "insert", "duplicate", "content-type", "method", "path", "query", "header", "valid"];

    private static readonly string[] Paths =
        ["/raft/api/set", "/raft/api/get", "/raft/api/status", "/raft/api/getPeerList", "/raft/api/addNode", "/raft/api/deleteNode",
         "/raft/api/transferLeader", "/raft/api/leave", "/raft/api/join", "/raft/api/joinCode", "/health"];

    private static readonly string[] ContentTypes =
        ["application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "text/plain", "application/x-www-form-urlencoded",
         "multipart/form-data", "multipart/form-data; boundary=x", "multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=" + new string('b', 90),
         "application/xml", "text/html; charset=utf-8", "application/problem+json", "*/*", "application/", "/", ";", "application/json;;", "a/b; c",
         "application/json; charset=\"utf-8", "x-www-form-urlencoded", "APPLICATION/JSON", "application/octet-stream", "multipart/mixed; boundary=x"];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO", "post", "CONNECTX"];

    private static readonly string[] Insertions =
        ["{", "}", "[", "]", "\"", "\\", ",", ":", "null", "true", "-1", "0", "1e999", "18446744073709551616", "-0.5", "\"key\":\"fz1\",",
         "\\u0000", "\\ud800", "\\uZZZZ", "%", "%zz", "%C3%28", "&", "=", "&key=fz2", "&value=", "+", "\r\n", "--x\r\n", "--x--",
         new string('[', 200), new string('{', 70), new string('"', 3), new string('x', 3000)];

    private static readonly (string Name, string[] Values)[] HeaderChoices =
    [
        ("Raft-Client-Id", ["1", "2", "0", "-1", "abc", "18446744073709551616", "", " 7", "1,2", "99999999999999999999999"]),
        ("Raft-Sequence", ["1", "2", "3", "0", "-5", "x", "", "1.5", "4294967296"]),
        ("Accept", ["*/*", "application/xml", "text/html;q=0"]),
        ("Content-Encoding", ["gzip", "br", "identity"]),
        ("Authorization", ["Bearer x", "Basic", ""]),
        ("X-Fuzz", ["\u0001", "a", new string('z', 2000)]),
        ("Expect", ["100-continue"]),
        ("Accept-Charset", ["latin1"]),
    ];

    private string Key() => Keys[random.Next(Keys.Length)];

    /// <summary>A valid request for one endpoint chosen at random (the membership ones are refused on a standalone node).</summary>
    private FuzzRequest Valid(string kind)
    {
        var key = Key();
        var value = $"v{random.Next(1000)}";
        var none = Array.Empty<(string, string)>();
        return random.Next(16) switch
        {
            0 or 1 or 2 => Post(kind, "/raft/api/set", "application/json", $"{{\"key\":\"{key}\",\"value\":\"{value}\"}}"),
            3 or 4 => Post(kind, "/raft/api/set", "application/x-www-form-urlencoded", $"key={key}&value={value}"),
            5 => Post(kind, "/raft/api/set", "multipart/form-data; boundary=XyZ",
                $"--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n{key}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"value\"\r\n\r\n{value}\r\n--XyZ--\r\n"),
            6 => new FuzzRequest(kind, "GET", $"/raft/api/get?key={key}{(random.Next(2) == 0 ? "&consistency=stale" : "")}", null, null, none),
            7 => new FuzzRequest(kind, "GET", random.Next(3) switch { 0 => "/raft/api/status", 1 => "/raft/api/getPeerList", _ => "/raft/api/joinCode" }, null, null, none),
            8 => Post(kind, "/raft/api/addNode", "application/json", "{\"id\":1,\"host\":\"127.0.0.1:1\"}"),
            9 => Post(kind, "/raft/api/addNode", "application/x-www-form-urlencoded", "id=1&host=127.0.0.1%3A1"),
            10 => Post(kind, "/raft/api/deleteNode", "application/json", random.Next(2) == 0 ? "{\"id\":1}" : "{\"id\":99}"),
            11 => Post(kind, "/raft/api/deleteNode", "application/x-www-form-urlencoded", "id=99"),
            12 => Post(kind, "/raft/api/transferLeader", "application/json", random.Next(2) == 0 ? "{}" : "{\"id\":2}"),
            13 => Post(kind, "/raft/api/leave", "application/json", "{}"),
            14 => Post(kind, "/raft/api/join", "application/json", joinBody),
            _ => new FuzzRequest(kind, "GET", "/health", null, null, none),
        };
    }

    private static FuzzRequest Post(string kind, string path, string contentType, string body) =>
        new(kind, "POST", path, contentType, Encoding.UTF8.GetBytes(body), []);

    public FuzzRequest Next()
    {
        var kind = Kinds[random.Next(Kinds.Length)];
        var request = Valid(kind);
        var body = request.Body ?? [];
        switch (kind)
        {
            case "flip":
                if (body.Length == 0) return request with { Body = [(byte)random.Next(256)] };
                var flipped = (byte[])body.Clone();
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    var at = random.Next(flipped.Length);
                    flipped[at] = random.Next(2) == 0 ? (byte)(flipped[at] ^ (1 << random.Next(8))) : (byte)random.Next(256);
                }
                return request with { Body = flipped };
            case "truncate":
                return request with { Body = body[..random.Next(body.Length + 1)] };
            case "insert":
                var insertion = random.Next(4) == 0 ? [(byte)random.Next(0x80, 0x100)] : Encoding.UTF8.GetBytes(Insertions[random.Next(Insertions.Length)]);
                var place = random.Next(body.Length + 1);
                return request with { Body = [.. body[..place], .. insertion, .. body[place..]] };
            case "duplicate":
                return request with { Body = Duplicate(request, body) };
            case "content-type":
                return request with { Method = "POST", ContentType = random.Next(8) == 0 ? null : ContentTypes[random.Next(ContentTypes.Length)], Body = body };
            case "method":
                var method = Methods[random.Next(Methods.Length)];
                return request with { Method = method, Body = method == "HEAD" ? null : request.Body };
            case "path":
                return request with { Path = RandomPath() };
            case "query":
                return request with { Path = Paths[random.Next(Paths.Length)] + RandomQuery() };
            case "header":
                var (name, values) = HeaderChoices[random.Next(HeaderChoices.Length)];
                var headers = new List<(string, string)> { (name, values[random.Next(values.Length)]) };
                if (name.StartsWith("Raft-", StringComparison.Ordinal) && random.Next(2) == 0)
                {
                    var other = HeaderChoices[name == "Raft-Client-Id" ? 1 : 0];
                    headers.Add((other.Name, other.Values[random.Next(other.Values.Length)]));
                }
                return request with { Headers = headers };
            default:
                return request;
        }
    }

    /// <summary>A field given twice: JSON gets a second "key" or "value", forms a second field.</summary>
    private byte[] Duplicate(FuzzRequest request, byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        var field = random.Next(2) == 0 ? "key" : (request.Path.Contains("Node", StringComparison.Ordinal) ? "id" : "value");
        if (request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true && text.EndsWith('}'))
        {
            return Encoding.UTF8.GetBytes(text[..^1] + $",\"{field}\":{(field == "id" ? "5" : $"\"{Key()}\"")}}}");
        }
        if (request.ContentType?.StartsWith("multipart", StringComparison.Ordinal) == true)
        {
            return Encoding.UTF8.GetBytes(text.Replace("--XyZ--", $"--XyZ\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{Key()}\r\n--XyZ--", StringComparison.Ordinal));
        }
        return Encoding.UTF8.GetBytes(text + $"&{field}={(field == "id" ? "5" : Key())}");
    }

    private string RandomPath() => random.Next(8) switch
    {
        0 => Paths[random.Next(Paths.Length)] + "/" + random.Next(100),
        1 => Paths[random.Next(Paths.Length)].ToUpperInvariant(),
        2 => "/raft/api/" + new string('a', random.Next(1, 300)),
        3 => "/" + string.Join("/", Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(1000).ToString("x"))),
        4 => "//raft//api//set",
        5 => "/raft/api/%73et",
        6 => "/raft/api/set%00",
        _ => "/raft/api/" + Uri.EscapeDataString(Encoding.UTF8.GetString([(byte)random.Next(0x20, 0x7F), (byte)random.Next(0x20, 0x7F)])),
    };

    private string RandomQuery() => random.Next(8) switch
    {
        0 => $"?key={Key()}&key={Key()}",
        1 => "?key=",
        2 => "?key=%FF%FE",
        3 => $"?key={Key()}&consistency={Uri.EscapeDataString(((char)random.Next(0x21, 0x7F)).ToString())}",
        4 => $"?key={Key()}&consistency=stale&consistency=linearizable",
        5 => "?" + new string('k', random.Next(1, 2000)),
        6 => $"?key={Key()}&unknown=1&&&=",
        _ => $"?key={Uri.EscapeDataString(new string('x', random.Next(1, 1100)))}",
    };
}
