using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RaftActors.Host.Api;

namespace RaftActors.Host.Node;

/// <summary>
/// Proves that a joiner knows the cluster secret without sending it: an HMAC-SHA256 under the secret over
/// every field of the request, checked in constant time. The timestamp bounds replay; the one-time code
/// checked by callback makes a replayed request useless to anyone but the joiner itself.
/// </summary>
internal static class JoinProof
{
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    public static string Compute(string secret, JoinRequest request)
    {
        var text = string.Join('\n', request.ClusterId, request.Peer, request.Http, request.Code,
            request.ExistingId.ToString(CultureInfo.InvariantCulture), request.DiscardData ? "1" : "0",
            request.Timestamp.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(text)));
    }

    public static bool Verify(string secret, JoinRequest request)
    {
        if (request.Proof is null || request.Proof.Length != 64) return false;
        var expected = Encoding.ASCII.GetBytes(Compute(secret, request));
        var actual = Encoding.ASCII.GetBytes(request.Proof.ToUpperInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    public static string NewCode() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
}
