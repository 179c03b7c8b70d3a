using System.Globalization;

namespace RaftActors.Host.Configuration;

/// <summary>Peer addresses as eosc wrote them (<c>ip:port</c> or <c>http://ip:port</c>), normalised to <c>host:port</c>.</summary>
internal static class PeerAddress
{
    public static bool TryNormalize(string? text, out string address, out string error)
    {
        address = "";
        error = "";
        var value = (text ?? "").Trim();
        if (value.Length == 0)
        {
            error = "an address is required, as ip:port or http://ip:port";
            return false;
        }
        if (value.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.IsDefaultPort || uri.AbsolutePath != "/")
            {
                error = $"'{value}' is not an address: write ip:port or http://ip:port";
                return false;
            }
            value = $"{uri.Host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
        }
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            error = $"'{value}' needs a port from 1 to 65535: write ip:port, for example 127.0.0.1:7081";
            return false;
        }
        address = value;
        return true;
    }

    /// <summary>The host part of a normalised address (to build this node's default HTTP URL).</summary>
    public static string HostPart(string address) => address[..address.LastIndexOf(':')];
}
