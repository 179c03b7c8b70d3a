using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using RaftActors.Actors;
using RaftActors.Host.Diagnostics;

namespace RaftActors.Host.Api;

/// <summary>Builds envelopes and turns every failure into the matching HTTP status and eosc code.</summary>
internal static class ApiResults
{
    public static JsonHttpResult<Envelope<T>> Ok<T>(T data) =>
        TypedResults.Json(new Envelope<T>(ApiCodes.Success, "success", data, null), HostJson.Default.Options, statusCode: 200);

    public static JsonHttpResult<Envelope<T>> Fail<T>(int status, string code, string message) =>
        TypedResults.Json(new Envelope<T>(code, Describe(code), default, message), HostJson.Default.Options, statusCode: status);

    /// <summary>Runs a handler body; known failures become envelopes, anything else is a bug and propagates.</summary>
    public static async Task<JsonHttpResult<Envelope<T>>> Run<T>(HttpContext http, Func<Task<T>> body, string failureCode = ApiCodes.ProposalFailed)
    {
        try
        {
            return Ok(await body().ConfigureAwait(false));
        }
        catch (ApiException ex)
        {
            return Logged<T>(http, ex.Status, ex.Code, ex.Message);
        }
        catch (RaftNodeException ex)
        {
            var (status, code) = Map(ex.Code, failureCode);
            return Logged<T>(http, status, code, ex.Message);
        }
        catch (ObjectDisposedException)
        {
            return Logged<T>(http, 503, ApiCodes.NoLeader, "the node is restarting; retry shortly");
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return Fail<T>(499, ApiCodes.ProposalFailed, "the client went away");
        }
        catch (BadHttpRequestException ex)
        {
            var status = ex.StatusCode == 413 ? 413 : 400;
            var message = status == 413 ? "the body is larger than this node accepts" : ex.Message;
            return Logged<T>(http, status, ApiCodes.CannotReadBody, message);
        }
    }

    private static JsonHttpResult<Envelope<T>> Logged<T>(HttpContext http, int status, string code, string message)
    {
        var log = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("RaftActors.Host.Api");
        LogMessages.RequestFailed(log, http.Request.Method, http.Request.Path, status, code, message);
        return Fail<T>(status, code, message);
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

    private static string Describe(string code) => code switch
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
