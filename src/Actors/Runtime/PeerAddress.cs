using Akka.Actor;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// Reads the <c>host:port</c> addresses nodes are configured with and record in the log. Accepted forms:
/// <c>127.0.0.1:7001</c>, <c>[::1]:7001</c>, <c>node1.example:7001</c>, <c>localhost:7001</c>, and any of
/// them behind <c>http://</c>, <c>https://</c> or <c>tcp://</c> (eosc configurations carry URLs; the scheme is
/// ignored, the peer protocol is always plain TCP). Names stay names (<see cref="DnsEndPoint"/>) and are
/// resolved at each connection attempt, so a peer whose DNS entry moves is followed.
/// </summary>
internal static class PeerAddress
{
    private const string Expected = "expected host:port, e.g. 127.0.0.1:7001, [::1]:7001 or node1.example:7001";
    private static readonly string[] Schemes = ["http://", "https://", "tcp://"];

    /// <summary>An address to connect to: port 1..65535.</summary>
    /// <exception cref="ArgumentException">The text is not such an address; the message says why.</exception>
    public static EndPoint Parse(string address) => Parse(address, allowAnyPort: false);

    /// <summary>
    /// An address to listen on: port 0 (any free port) is allowed, and a name is resolved now, because a
    /// socket binds to an IP address. <c>localhost</c> is the IPv4 loopback.
    /// </summary>
    /// <exception cref="ArgumentException">The text is not an address, or the name does not resolve.</exception>
    public static IPEndPoint ParseListen(string address)
    {
        var endPoint = Parse(address, allowAnyPort: true);
        if (endPoint is IPEndPoint ip) return ip;
        var dns = (DnsEndPoint)endPoint;
        if (string.Equals(dns.Host, "localhost", StringComparison.OrdinalIgnoreCase)) return new IPEndPoint(IPAddress.Loopback, dns.Port);
        IPAddress[] resolved;
        try
        {
            resolved = Dns.GetHostAddresses(dns.Host);
        }
        catch (SocketException e)
        {
            throw new ArgumentException($"cannot listen on '{address}': the name '{dns.Host}' does not resolve ({e.SocketErrorCode})", nameof(address), e);
        }
        // IPv4 first: a name with both kinds of address is most often reached by its IPv4 one.
        var chosen = resolved.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? resolved.FirstOrDefault()
            ?? throw new ArgumentException($"cannot listen on '{address}': the name '{dns.Host}' has no address", nameof(address));
        return new IPEndPoint(chosen, dns.Port);
    }

    /// <summary>The canonical <c>host:port</c> text of a bound endpoint (<c>[v6]:port</c> for IPv6).</summary>
    public static string Format(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return endPoint.ToString();
    }

    private static EndPoint Parse(string address, bool allowAnyPort)
    {
        if (string.IsNullOrWhiteSpace(address)) throw Bad(address, "it is empty");
        var text = StripScheme(address.Trim(), address);
        string host;
        string port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw Bad(address, "the '[' of an IPv6 address is not closed");
            host = text[1..close];
            if (close + 1 >= text.Length || text[close + 1] != ':') throw Bad(address, "the port is missing");
            port = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                throw Bad(address, $"'{host}' is not an IPv6 address");
            return new IPEndPoint(v6, ParsePort(port, address, allowAnyPort));
        }
        var colon = text.LastIndexOf(':');
        if (colon < 0) throw Bad(address, "the port is missing");
        host = text[..colon];
        port = text[(colon + 1)..];
        if (host.Contains(':', StringComparison.Ordinal)) throw Bad(address, "an IPv6 address must be written in brackets, e.g. [::1]:7001");
        if (host.Length == 0) throw Bad(address, "the host is missing");
        var number = ParsePort(port, address, allowAnyPort);
        if (IPAddress.TryParse(host, out var ip))
        {
            // IPAddress.TryParse also accepts forms like "1" or "0x7f.1"; only dotted quads are taken as IPv4.
            if (host.Count(c => c == '.') != 3) throw Bad(address, $"'{host}' is not a dotted IPv4 address");
            return new IPEndPoint(ip, number);
        }
        if (Uri.CheckHostName(host) != UriHostNameType.Dns) throw Bad(address, $"'{host}' is not a valid host name");
        return new DnsEndPoint(host, number);
    }

    private static string StripScheme(string text, string original)
    {
        var separator = text.IndexOf("://", StringComparison.Ordinal);
        if (separator < 0) return text;
        var scheme = Schemes.FirstOrDefault(s => text.StartsWith(s, StringComparison.OrdinalIgnoreCase))
            ?? throw Bad(original, $"the scheme '{text[..separator]}' is not http, https or tcp");
        text = text[scheme.Length..];
        // A URL may end with "/"; any other path would be silently ignored, so it is refused.
        if (text.EndsWith('/')) text = text[..^1];
        if (text.Contains('/', StringComparison.Ordinal)) throw Bad(original, "a peer address has no path");
        return text;
    }

    private static int ParsePort(string port, string address, bool allowAnyPort)
    {
        if (port.Length == 0) throw Bad(address, "the port is missing");
        if (!port.All(char.IsAsciiDigit) || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > IPEndPoint.MaxPort)
            throw Bad(address, $"'{port}' is not a port (0-65535)");
        if (number == 0 && !allowAnyPort) throw Bad(address, "port 0 can be listened on but not connected to");
        return number;
    }

    private static ArgumentException Bad(string? address, string why) =>
        new($"'{address}' is not a peer address: {why}; {Expected}", nameof(address));
}
