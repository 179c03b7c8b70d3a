using System.Text.Json;
using RaftActors.Host.Services;

namespace RaftActors.Host.Api;

/// <summary>
/// A set's command must fit the node's largest proposal (<c>akka.raft.max-proposal-bytes</c>, bounded by the peer
/// frame size): RaftNode refuses a larger one as a bad request, on the leader after the prepare hook. Checked here
/// first, on the command exactly as the key-value service's prepare hook will write it, so that the client gets
/// 413 with the limit instead of a 400.
/// </summary>
internal static class ProposalSize
{
    /// <summary>The command's bytes beside the value: what the prepare hook writes for this key and an empty value.</summary>
    public static long Overhead(string key) => Command(key, "").Length;

    // The command of an empty key and value, plus room for a stamp of up to 20 digits.
    private static readonly long EmptyCommandBytes = Command("", "").Length + 8;

    public static void Check(string key, string value, long maxProposalBytes)
    {
        // JSON writes one UTF-16 unit as at most 6 bytes (\uXXXX): a command under that bound fits without being
        // built, so a write of ordinary size is not serialized once more just to be measured.
        if (EmptyCommandBytes + 6L * (key.Length + value.Length) <= maxProposalBytes) return;
        var size = Command(key, value).Length;
        if (size > maxProposalBytes)
        {
            throw new ApiException(413, ApiCodes.BadProposal,
                $"the command would be {size} bytes; this node takes proposals of at most {maxProposalBytes} bytes (akka.raft.max-proposal-bytes), "
                + $"so with this key the value may be at most {maxProposalBytes - Overhead(key)} bytes as JSON", limit: maxProposalBytes);
        }
    }

    /// <summary>The prepare hook's command; its stamp has the digits of the clock's current milliseconds.</summary>
    private static byte[] Command(string key, string value) =>
        JsonSerializer.SerializeToUtf8Bytes(new KvRequest { Op = "set", Key = key, Value = value, Stamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
            HostJson.Default.KvRequest);
}
