using System.Net;
using RaftActors.Actors.Runtime;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>The address forms nodes are configured with, and clear errors for everything else.</summary>
public sealed class PeerAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:7001", "127.0.0.1", 7001)]
    [InlineData("  10.1.2.3:65535 ", "10.1.2.3", 65535)]
    [InlineData("http://127.0.0.1:7001", "127.0.0.1", 7001)]
    [InlineData("https://127.0.0.1:7001/", "127.0.0.1", 7001)]
    [InlineData("TCP://192.168.0.9:80", "192.168.0.9", 80)]
    [InlineData("[::1]:7001", "::1", 7001)]
    [InlineData("http://[fe80::1]:9000", "fe80::1", 9000)]
    public void IP_addresses_parse_to_an_IPEndPoint(string text, string ip, int port)
    {
        var endPoint = Assert.IsType<IPEndPoint>(PeerAddress.Parse(text));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(ip), port), endPoint);
    }

    [Theory]
    [InlineData("localhost:7001", "localhost", 7001)]
    [InlineData("node-1.example.com:7002", "node-1.example.com", 7002)]
    [InlineData("http://raft-2:7003", "raft-2", 7003)]
    public void Names_stay_names(string text, string host, int port)
    {
        var endPoint = Assert.IsType<DnsEndPoint>(PeerAddress.Parse(text));
        Assert.Equal((host, port), (endPoint.Host, endPoint.Port));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("127.0.0.1", "port is missing")]
    [InlineData("127.0.0.1:", "port is missing")]
    [InlineData(":7001", "host is missing")]
    [InlineData("127.0.0.1:70000", "not a port")]
    [InlineData("127.0.0.1:-1", "not a port")]
    [InlineData("127.0.0.1:7o01", "not a port")]
    [InlineData("127.0.0.1:0", "port 0")]
    [InlineData("::1:7001", "brackets")]
    [InlineData("[::1]", "port is missing")]
    [InlineData("[::1:7001", "not closed")]
    [InlineData("[127.0.0.1]:7001", "not an IPv6 address")]
    [InlineData("1.2.3:7001", "dotted IPv4")]
    [InlineData("bad host:7001", "not a valid host name")]
    [InlineData("ftp://127.0.0.1:7001", "scheme 'ftp'")]
    [InlineData("http://127.0.0.1:7001/raft", "no path")]
    public void Bad_addresses_are_refused_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => PeerAddress.Parse(text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("expected host:port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_addresses_allow_port_0_and_resolve_names()
    {
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 0), PeerAddress.ParseListen("127.0.0.1:0"));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7001), PeerAddress.ParseListen("localhost:7001"));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Any, 7001), PeerAddress.ParseListen("[::]:7001"));
        Assert.Throws<ArgumentException>(() => PeerAddress.ParseListen("no-such-host.invalid:7001"));
    }

    [Fact]
    public void Bound_endpoints_format_back_to_parseable_text()
    {
        foreach (var endPoint in new[] { new IPEndPoint(IPAddress.Loopback, 7001), new IPEndPoint(IPAddress.IPv6Loopback, 7002) })
        {
            Assert.Equal(endPoint, PeerAddress.Parse(PeerAddress.Format(endPoint)));
        }
    }
}
