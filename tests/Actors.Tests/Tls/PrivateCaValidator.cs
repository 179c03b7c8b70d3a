using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace RaftActors.Actors.Tests.Tls;

/// <summary>
/// Peer-certificate validation against one private CA, for Akka's <c>DotNettySslSetup</c> (the
/// <see cref="CertificateValidationCallback"/> Akka calls on both sides of every handshake). Akka's own chain check
/// (<see cref="CertificateValidation.ValidateChain"/>) trusts only the machine's store; this one trusts exactly the
/// given root and nothing else, and counts what it decided so tests can see that it was asked. The snippet in
/// docs/security.md is this class without the counters.
/// </summary>
internal sealed class PrivateCaValidator(X509Certificate2 root)
{
    private readonly ConcurrentQueue<string> _refused = new();
    private int _accepted;

    /// <summary>The subjects of the certificates refused so far.</summary>
    public IReadOnlyCollection<string> Refused => _refused;

    public int Accepted => Volatile.Read(ref _accepted);

    public CertificateValidationCallback Callback => Validate;

    private bool Validate(X509Certificate2? certificate, X509Chain? chain, string peer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        // Only a missing certificate is decided from Akka's errors; the chain is built anew with the private root as
        // the only trust anchor (Akka's chain was built against the machine's store and reports UntrustedRoot).
        if (certificate is null)
        {
            _refused.Enqueue("(no certificate)");
            return false;
        }
        using var own = new X509Chain();
        own.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        own.ChainPolicy.CustomTrustStore.Add(root);
        own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a throwaway CA publishes no revocation list
        var valid = own.Build(certificate);
        if (!valid)
        {
            _refused.Enqueue(certificate.Subject);
            log.Warning("Refused the certificate of {0} ({1}): {2}", peer, certificate.Subject,
                string.Join(", ", own.ChainStatus.Select(s => s.Status)));
            return false;
        }
        Interlocked.Increment(ref _accepted);
        return true;
    }
}
