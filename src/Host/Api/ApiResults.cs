using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using RaftActors.Actors;
using RaftActors.Host.Diagnostics;

namespace RaftActors.Host.Api;

/// <summary>Builds envelopes and turns every failure into the matching HTTP status, eosc code and outcome.</summary>
internal static class ApiResults
{
    public static JsonHttpResult<Envelope<T>> Ok<T>(T data) =>
        TypedResults.Json(new Envelope<T>(ApiCodes.Success, "success", data, null), HostJson.Default.Options, statusCode: 200);

    public static JsonHttpResult<Envelope<ErrorData>> Fail(ApiException error) =>
        TypedResults.Json(Envelope(error), HostJson.Default.Options, statusCode: error.Status);

    public static Envelope<ErrorData> Envelope(ApiException error) =>
        new(error.Code, Describe(error.Code), new ErrorData(error.Outcome, error.Limit), error.Message);

    /// <summary>Runs a handler body; every failure it can meet becomes an envelope (<see cref="ToApiError"/>).</summary>
    public static async Task<IResult> Run<T>(HttpContext http, Func<Task<T>> body, string failureCode = ApiCodes.ProposalFailed)
    {
        try
        {
            return Ok(await body().ConfigureAwait(false));
        }
        catch (Exception ex) when (ToApiError(http, ex, failureCode) is { } error)
        {
            if (error.Status == 499) return Fail(error);
            return Logged(http, error);
        }
    }

    /// <summary>
    /// The known failures of a request as envelope errors; null for anything else (a bug, left to
    /// <see cref="ApiErrorMiddleware"/>). Body-reading failures arrive here already mapped by <see cref="BodyReader"/>.
    /// </summary>
    public static ApiException? ToApiError(HttpContext http, Exception ex, string failureCode) => ex switch
    {
        ApiException api => api,
        RaftNodeException raft => FromNode(raft, failureCode),
        // The node was being replaced (leave, restart) while the request ran: whether it got as far as the log is not known.
        ObjectDisposedException => new ApiException(503, ApiCodes.NoLeader, "the node is restarting; retry shortly", Outcomes.Unknown),
        OperationCanceledException when http.RequestAborted.IsCancellationRequested =>
            new ApiException(499, ApiCodes.ProposalFailed, "the client went away", Outcomes.Unknown),
        BadHttpRequestException or InvalidDataException or IOException or System.Text.Json.JsonException or System.Text.DecoderFallbackException =>
            BodyReader.ToApiError(ex, http.Request),
        _ => null,
    };

    public static ApiException FromNode(RaftNodeException ex, string failureCode)
    {
        var (status, code) = Map(ex.Code, failureCode);
        return new ApiException(status, code, ex.Message, Outcomes.Of(ex.Code));
    }

    /// <summary>
    /// The second step of a two-step request (addNode and deleteNode first record the change in the replicated
    /// registry): a failure of it cannot say "not applied", since the first step was.
    /// </summary>
    public static async Task<T> AfterAnAppliedStep<T>(Func<Task<T>> step, string failureCode)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (RaftNodeException ex)
        {
            var error = FromNode(ex, failureCode);
            throw new ApiException(error.Status, error.Code, $"{error.Message} (the registry had already recorded the change)", Outcomes.Unknown);
        }
    }

    private static JsonHttpResult<Envelope<ErrorData>> Logged(HttpContext http, ApiException error)
    {
        var log = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("RaftActors.Host.Api");
        LogMessages.RequestFailed(log, http.Request.Method, http.Request.Path, error.Status, error.Code, error.Message);
        return Fail(error);
    }

    /// <summary>The node's reasons mapped to HTTP statuses; <paramref name="failureCode"/> is the eosc code of the operation.</summary>
    public static (int Status, string Code) Map(RaftErrorCode code, string failureCode) => code switch
    {
        RaftErrorCode.NoLeader or RaftErrorCode.NotLeader => (503, ApiCodes.NoLeader),
        RaftErrorCode.LeadershipLost or RaftErrorCode.Stopped => (503, failureCode),
        RaftErrorCode.Overloaded => (429, failureCode),
        RaftErrorCode.Timeout => (504, failureCode),
        RaftErrorCode.Rejected => (422, ApiCodes.PrepareFailed),
        RaftErrorCode.MembershipChangeRefused => (409, ApiCodes.MembershipChangeFailed),
        RaftErrorCode.NotFound => (404, failureCode),
        RaftErrorCode.BadRequest => (400, ApiCodes.BadProposal),
        RaftErrorCode.StaleSequence => (409, failureCode),
        _ => (500, failureCode),
    };

    public static string Describe(string code) => code switch
    {
        ApiCodes.BadJoinRequest => "bad join request",
        ApiCodes.CannotUpdateHost => "cannot update host info",
        ApiCodes.MembershipChangeFailed => "membership change failed",
        ApiCodes.IdAddressMismatch => "node id and address do not match",
        ApiCodes.InvalidForMode => "invalid operation for the node's mode",
        ApiCodes.AddressCheckFailed => "address check callback failed",
        ApiCodes.AddressCheckMismatch => "address check code mismatch",
        ApiCodes.NoLeader => "no leader",
        ApiCodes.CannotReadBody => "cannot read body",
        ApiCodes.BadProposal => "bad request",
        ApiCodes.PrepareFailed => "rejected by the service",
        _ => "request failed",
    };
}
