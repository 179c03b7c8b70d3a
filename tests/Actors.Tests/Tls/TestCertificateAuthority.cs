using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RaftActors.Actors.Tests.Tls;

/// <summary>A node certificate as a node is configured with it: a password-protected PFX file (and the same certificate in memory).</summary>
internal sealed record NodeCertificate(string PfxPath, string Password, X509Certificate2 Certificate);

/// <summary>
/// A throwaway certificate authority made at test time: a self-signed root that signs node certificates for
/// 127.0.0.1 and localhost (server and client authentication, as a node is both), written as password-protected
/// PFX files into a temporary folder that is deleted on dispose. Nothing is installed in any certificate store:
/// the root is trusted only by whoever is handed <see cref="Root"/>.
/// </summary>
internal sealed class TestCertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _folder;
    private readonly List<X509Certificate2> _issued = [];

    public TestCertificateAuthority(string name)
    {
        _folder = Path.Combine(Path.GetTempPath(), $"raftactors-tls-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
        var request = new CertificateRequest($"CN={name}, O=RaftActors tests", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        Root = request.CreateSelfSigned(now.AddMinutes(-10), now.AddDays(2));
        // Only the public part leaves this class: a trust anchor, not a signing key.
        RootPublic = X509CertificateLoader.LoadCertificate(Root.RawData);
    }

    /// <summary>The root with its signing key (kept here).</summary>
    private X509Certificate2 Root { get; }

    /// <summary>The root certificate (public part only), the trust anchor to hand to a validator.</summary>
    public X509Certificate2 RootPublic { get; }

    /// <summary>
    /// Issues a certificate for <paramref name="commonName"/>, valid for the given DNS names and IP addresses (by default
    /// localhost and 127.0.0.1), with both TLS server and client authentication, and writes it as a PFX file.
    /// </summary>
    public NodeCertificate Issue(string commonName, IReadOnlyCollection<string>? dnsNames = null, IReadOnlyCollection<IPAddress>? ipAddresses = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}, O=RaftActors tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuthentication, ClientAuthentication], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames ?? ["localhost"]) names.AddDnsName(dns);
        foreach (var ip in ipAddresses ?? [IPAddress.Loopback]) names.AddIpAddress(ip);
        request.CertificateExtensions.Add(names.Build());

        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        // Within the root's validity (an issuer must outlive what it signs).
        using var issued = request.Create(Root, now.AddMinutes(-5), now.AddDays(1), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var path = Path.Combine(_folder, $"{commonName}.pfx");
        File.WriteAllBytes(path, withKey.Export(X509ContentType.Pfx, password));
        var loaded = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        _issued.Add(loaded);
        return new NodeCertificate(path, password, loaded);
    }

    public void Dispose()
    {
        foreach (var certificate in _issued) certificate.Dispose();
        Root.Dispose();
        RootPublic.Dispose();
        _key.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
