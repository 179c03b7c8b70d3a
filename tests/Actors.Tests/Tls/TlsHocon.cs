using Akka.Configuration;

namespace RaftActors.Actors.Tests.Tls;

/// <summary>
/// The Akka.Remote (DotNetty) TLS settings of a node, as docs/security.md shows them: the node's certificate from a
/// password-protected PFX file, mutual authentication, and the two validation switches.
/// </summary>
internal static class TlsHocon
{
    public static Config For(NodeCertificate certificate, bool suppressValidation, bool validateHostname = false, bool requireMutualAuthentication = true) =>
        ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp {
              enable-ssl = true
              ssl {
                certificate {
                  path = {{Quote(certificate.PfxPath)}}
                  password = {{Quote(certificate.Password)}}
                  flags = [ "default-key-set" ]
                }
                suppress-validation = {{OnOff(suppressValidation)}}
                require-mutual-authentication = {{OnOff(requireMutualAuthentication)}}
                validate-certificate-hostname = {{OnOff(validateHostname)}}
              }
            }
            """);

    /// <summary>
    /// TLS on, with the certificate and its validation left to a <c>DotNettySslSetup</c> (Akka ignores the HOCON
    /// <c>ssl</c> section then, but still needs <c>enable-ssl</c>).
    /// </summary>
    public static Config EnabledOnly() => ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = true");

    /// <summary>A HOCON quoted string (JSON escapes), so a Windows path or any password survives.</summary>
    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static string OnOff(bool value) => value ? "on" : "off";
}
