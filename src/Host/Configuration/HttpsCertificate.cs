using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace RaftActors.Host.Configuration;

/// <summary>
/// The HTTP API's certificate, from ASP.NET's own setting <c>Kestrel:Certificates:Default</c> (<c>Path</c> and
/// <c>Password</c> of a PKCS#12 file, or <c>Path</c> and <c>KeyPath</c> of PEM files): in the JSON file given
/// with <c>--config</c>, or <c>Kestrel__Certificates__Default__Path</c>... in the environment. With one, the
/// API listens on HTTPS only.
/// </summary>
internal static class HttpsCertificate
{
    public const string Section = "Kestrel:Certificates:Default";

    /// <returns>The certificate, or null when none is configured (plain HTTP).</returns>
    /// <exception cref="OptionsValidationException">The files cannot be read: the failure names the file, never the password.</exception>
    public static X509Certificate2? Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var path = section["Path"];
        if (string.IsNullOrWhiteSpace(path)) return null;
        var keyPath = section["KeyPath"];
        var password = section["Password"];
        try
        {
            var certificate = keyPath is null
                ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
                : password is null
                    ? X509Certificate2.CreateFromPemFile(path, keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
            if (!certificate.HasPrivateKey) throw new CryptographicException("it holds no private key");
            return certificate;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new OptionsValidationException(NodeHostOptions.Section, typeof(NodeHostOptions),
                [$"{Section}:Path {path}: the HTTPS certificate could not be loaded ({ex.Message})"]);
        }
    }
}
