using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RaftActors.Host.Diagnostics;

namespace RaftActors.Host.Api;

/// <summary>
/// The last safety net of the HTTP API: an exception that got out of an endpoint becomes an envelope (a 500 for
/// a bug, logged with its stack) instead of Kestrel's empty 500, and a bodiless error status of routing (404 for
/// an unknown path, 405 for a wrong method) gets the envelope too. Specific failures are handled where they
/// happen (<see cref="ApiResults.Run{T}"/>, <see cref="BodyReader"/>); this only catches what they missed.
/// </summary>
internal static partial class ApiErrorMiddleware
{
    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder app) => app.Use(HandleAsync);

    private static async Task HandleAsync(HttpContext http, RequestDelegate next)
    {
        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (Exception ex) when (!http.Response.HasStarted)
        {
            if (ex is OperationCanceledException && http.RequestAborted.IsCancellationRequested) return;
            var log = Log(http);
            var error = ApiResults.ToApiError(http, ex, ApiCodes.ProposalFailed);
            if (error is null)
            {
                Unhandled(log, http.Request.Method, http.Request.Path, ex);
                error = new ApiException(500, ApiCodes.ProposalFailed, $"internal error ({ex.GetType().Name}); the node logged it", Outcomes.Unknown);
            }
            else
            {
                LogMessages.RequestFailed(log, http.Request.Method, http.Request.Path, error.Status, error.Code, error.Message);
            }
            http.Response.Clear();
            await WriteAsync(http, error).ConfigureAwait(false);
            return;
        }
        var response = http.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentType is null && response.ContentLength is null)
        {
            await WriteAsync(http, ForStatus(http)).ConfigureAwait(false);
        }
    }

    private static ApiException ForStatus(HttpContext http) => http.Response.StatusCode switch
    {
        404 => new ApiException(404, ApiCodes.BadProposal, $"there is no endpoint at '{FormFields.Shorten(http.Request.Path.Value ?? "")}': see /raft/api/"),
        405 => new ApiException(405, ApiCodes.BadProposal,
            $"{FormFields.Shorten(http.Request.Method)} is not allowed on {http.Request.Path}; use {http.Response.Headers.Allow}"),
        var status => new ApiException(status, status >= 500 ? ApiCodes.ProposalFailed : ApiCodes.BadProposal, $"the request failed with HTTP {status}",
            status >= 500 ? Outcomes.Unknown : Outcomes.NotApplied),
    };

    private static Task WriteAsync(HttpContext http, ApiException error)
    {
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(http.Response.Body, ApiResults.Envelope(error), HostJson.Default.EnvelopeErrorData, CancellationToken.None);
    }

    private static ILogger Log(HttpContext http) =>
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("RaftActors.Host.Api");

    [LoggerMessage(3002, LogLevel.Error, "{Method} {Path} failed with an unhandled exception; answered 500 with the envelope")]
    private static partial void Unhandled(ILogger logger, string method, string path, Exception exception);
}
