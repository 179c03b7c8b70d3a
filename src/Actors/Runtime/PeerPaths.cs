using System.Globalization;
using System.Net;
using Akka.Actor;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// Where a node's actors live, and how a peer address from the membership becomes the Akka path of that
/// peer's inbox. A membership address is either <c>host:port</c> (the peer runs an ActorSystem of the same
/// name and transport as this one: the usual case, and the only one the console host uses) or a full Akka
/// address such as <c>akka.tcp://raft@10.0.0.2:7001</c>.
/// </summary>
internal static class PeerPaths
{
    /// <summary>Where frames to a peer whose address is unusable go: nowhere (dead letters).</summary>
    public const string Unreachable = "/user/raftactors-unreachable-peer";

    /// <summary>The name of a node's guardian actor, under <c>/user</c>.</summary>
    public static string GuardianName(ulong nodeId) => string.Create(CultureInfo.InvariantCulture, $"raft-{nodeId}");

    /// <summary>The inbox of node <paramref name="peerId"/> at <paramref name="address"/>.</summary>
    /// <exception cref="ArgumentException">The address is neither form; the message says why.</exception>
    public static string InboxPath(ActorSystem system, string address, ulong peerId) =>
        $"{ToAkkaAddress(system, address)}/user/{GuardianName(peerId)}/inbox";

    /// <summary>The Akka address of a membership address.</summary>
    public static Address ToAkkaAddress(ActorSystem system, string address)
    {
        ArgumentNullException.ThrowIfNull(system);
        if (address.StartsWith("akka", StringComparison.OrdinalIgnoreCase) && address.Contains("://", StringComparison.Ordinal))
        {
            try
            {
                return Address.Parse(address);
            }
            catch (UriFormatException e)
            {
                throw new ArgumentException($"'{address}' is not an Akka address: {e.Message}", nameof(address), e);
            }
        }
        var endPoint = PeerAddress.Parse(address);
        var (host, port) = endPoint switch
        {
            IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            DnsEndPoint dns => (dns.Host, dns.Port),
            _ => throw new ArgumentException($"'{address}' is not a peer address", nameof(address)),
        };
        var local = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        return new Address(local.Protocol, system.Name, host, port);
    }

    /// <summary>This system's own <c>host:port</c>, as peers reach it (its remoting address).</summary>
    public static string LocalHostPort(ActorSystem system)
    {
        var local = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        if (local.Host is null || local.Port is null)
        {
            throw new InvalidOperationException(
                $"the ActorSystem '{system.Name}' has no remoting address: a Raft node needs akka.actor.provider = remote (or cluster)");
        }
        var host = local.Host.Contains(':', StringComparison.Ordinal) ? $"[{local.Host}]" : local.Host;
        return string.Create(CultureInfo.InvariantCulture, $"{host}:{local.Port}");
    }
}
