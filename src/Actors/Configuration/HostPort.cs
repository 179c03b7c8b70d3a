using System.Globalization;

namespace RaftActors.Actors.Configuration;

/// <summary>A peer address as RaftActors writes it: <c>host:port</c>, the host a DNS name, an IPv4 address or a bracketed IPv6 address.</summary>
internal static class HostPort
{
    /// <summary>Null when <paramref name="text"/> is a valid address; otherwise what is wrong with it.</summary>
    public static string? Check(string text, int minPort)
    {
        var colon = text.LastIndexOf(':');
        if (text.Contains("://", StringComparison.Ordinal)) return "must be host:port without a scheme, for example \"127.0.0.1:7001\"";
        if (colon <= 0) return "must be host:port, for example \"127.0.0.1:7001\"";
        var host = text[..colon];
        var bracketed = host.StartsWith('[') && host.EndsWith(']');
        if ((!bracketed && host.Contains(':', StringComparison.Ordinal))
            || Uri.CheckHostName(bracketed ? host[1..^1] : host) == UriHostNameType.Unknown)
        {
            return $"'{host}' is not a host name or IP address (write an IPv6 address in brackets: \"[::1]:7001\")";
        }
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < minPort || port > 65535)
        {
            return $"needs a port from {minPort} to 65535 after the colon";
        }
        return null;
    }

    public static string Join(string host, int port) => $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
}
