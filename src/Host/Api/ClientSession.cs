using System.Globalization;
using Microsoft.AspNetCore.Http;
using RaftActors.Actors;

namespace RaftActors.Host.Api;

/// <summary>
/// An HTTP client's exactly-once session for <c>POST /raft/api/set</c>: the headers <c>Raft-Client-Id</c> and
/// <c>Raft-Sequence</c>, mapped onto <see cref="RequestOptions.ClientId"/> and <see cref="RequestOptions.Sequence"/>.
/// A retry with the same pair is applied at most once and answered with the first answer. Headers rather than
/// body fields, so that the service's request stays what the service defines, in JSON and in form bodies alike.
/// </summary>
internal static class ClientSession
{
    public const string ClientIdHeader = "Raft-Client-Id";
    public const string SequenceHeader = "Raft-Sequence";

    /// <summary>The request's session, or null without one; one header without the other, or a bad number, is a 400.</summary>
    public static RequestOptions? Read(HttpRequest request)
    {
        var client = Number(request, ClientIdHeader);
        var sequence = Number(request, SequenceHeader);
        if (client is null && sequence is null) return null;
        if (client is null || sequence is null)
        {
            throw new ApiException(400, ApiCodes.BadProposal, $"'{ClientIdHeader}' and '{SequenceHeader}' go together: send both or neither");
        }
        return new RequestOptions { ClientId = client.Value, Sequence = sequence.Value };
    }

    private static ulong? Number(HttpRequest request, string header)
    {
        var values = request.Headers[header];
        if (values.Count == 0) return null;
        var text = values.Count == 1 ? values[0] ?? "" : string.Join(",", values.ToArray());
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0) return number;
        throw new ApiException(400, ApiCodes.BadProposal,
            $"'{header}' must be one whole number from 1 to {ulong.MaxValue}, not '{FormFields.Shorten(text)}'");
    }
}
