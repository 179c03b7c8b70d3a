using System.Text.Json.Serialization;

namespace RaftActors.Host.Api;

/// <summary>eosc's reply envelope; <c>data</c> and <c>error</c> are left out when empty.</summary>
internal sealed record Envelope<T>(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("msg")] string Msg,
    [property: JsonPropertyName("data")] T? Data,
    [property: JsonPropertyName("error")] string? Error);

/// <summary>
/// The <c>data</c> of every error envelope: whether the request may still take effect (see <see cref="Outcomes"/>),
/// and for a refusal by size the limit that was exceeded.
/// </summary>
internal sealed record ErrorData(
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("limit")] long? Limit = null);

/// <summary>eosc v0.3.6 codes, kept so existing clients understand our errors.</summary>
internal static class ApiCodes
{
    public const string Success = "000000";
    public const string BadJoinRequest = "110001";
    public const string CannotUpdateHost = "110002";
    public const string MembershipChangeFailed = "110003";
    public const string IdAddressMismatch = "110004";
    public const string InvalidForMode = "110005";
    public const string AddressCheckFailed = "110006";
    public const string AddressCheckMismatch = "110007";
    public const string NoLeader = "120001";
    public const string CannotReadBody = "120002";
    public const string BadProposal = "120003";
    public const string PrepareFailed = "120004";
    public const string ProposalFailed = "120005";
}

/// <summary>
/// A failure to report in the envelope: HTTP status, eosc code and a message that says what to do. Thrown before
/// anything was proposed unless <paramref name="outcome"/> says otherwise.
/// </summary>
internal sealed class ApiException(int status, string code, string message, string outcome = Outcomes.NotApplied, long? limit = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string Outcome { get; } = outcome;
    public long? Limit { get; } = limit;
}
