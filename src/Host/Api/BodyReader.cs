using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace RaftActors.Host.Api;

/// <summary>
/// Reads a request body as JSON or as form fields (eosc clients post both), within the configured size limit.
/// This is the one place where a body that cannot be read, or is not the expected shape, becomes an envelope
/// error (<see cref="ToApiError"/>): 400, 413 or 415, before the node sees anything.
/// </summary>
internal static class BodyReader
{
    /// <summary>Strict UTF-8: a body that is not valid UTF-8 is refused rather than read with replacement characters.</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> json, Func<FormFields, T> fromForm, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            switch (BodyType.Of(request.ContentType))
            {
                case BodyKind.UrlEncoded:
                    return fromForm(FormFields.ParseUrlEncoded(await ReadAllAsync(request, cancellationToken).ConfigureAwait(false)));
                case BodyKind.Multipart:
                    return fromForm(await FormFields.ReadMultipartAsync(request, cancellationToken).ConfigureAwait(false));
                default:
                    return await JsonSerializer.DeserializeAsync(request.Body, json, cancellationToken).ConfigureAwait(false)
                        ?? throw new ApiException(400, ApiCodes.BadProposal, "the body is JSON null: send an object");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ToApiError(ex, request) is { } error && !ReferenceEquals(error, ex))
        {
            throw error;
        }
    }

    /// <summary>The whole body; Kestrel ends the read with a 413 beyond <c>--max-body-bytes</c>.</summary>
    private static async Task<byte[]> ReadAllAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Every way reading a body can fail, as the envelope error that says so; null when it is not a body failure.</summary>
    public static ApiException? ToApiError(Exception ex, HttpRequest request) => ex switch
    {
        ApiException api => api,
        JsonException json => new ApiException(400, ApiCodes.BadProposal,
            $"the body is not the expected JSON{(json.Path is { Length: > 0 } path ? $" at {path}" : "")}: {FirstSentence(json.Message)}"),
        BadHttpRequestException { StatusCode: 413 } => TooLarge(request),
        BadHttpRequestException bad => new ApiException(400, ApiCodes.CannotReadBody, $"the body could not be read: {bad.Message}"),
        DecoderFallbackException => new ApiException(400, ApiCodes.CannotReadBody, "the body is not valid UTF-8"),
        // The multipart reader's limits and structure checks (a missing boundary, headers too long, a cut body).
        InvalidDataException data => new ApiException(400, ApiCodes.CannotReadBody, $"the form body is malformed: {data.Message}"),
        IOException io => new ApiException(400, ApiCodes.CannotReadBody, $"the body ended before it was complete: {io.Message}"),
        _ => null,
    };

    private static ApiException TooLarge(HttpRequest request)
    {
        var limit = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        return new ApiException(413, ApiCodes.CannotReadBody,
            $"the body is larger than this node accepts{(limit is { } l ? $" ({l} bytes, --max-body-bytes)" : "")}", limit: limit);
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}

internal enum BodyKind
{
    Json,
    UrlEncoded,
    Multipart,
}

/// <summary>Which reader a Content-Type asks for: absent or JSON (eosc also sends text/plain), or one of the two form encodings.</summary>
internal static class BodyType
{
    public static BodyKind Of(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return BodyKind.Json;
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Length == 0 || media.MediaType.Value!.IndexOf('/') <= 0
            || media.Parameters.Any(p => !p.Value.HasValue || p.Value.Length == 0))
        {
            throw new ApiException(400, ApiCodes.CannotReadBody, $"the Content-Type '{contentType}' is malformed: send application/json or form fields");
        }
        var type = media.MediaType.Value!;
        var kind = type.ToLowerInvariant() switch
        {
            "application/json" or "text/plain" => BodyKind.Json,
            "application/x-www-form-urlencoded" => BodyKind.UrlEncoded,
            "multipart/form-data" => BodyKind.Multipart,
            _ when type.EndsWith("+json", StringComparison.OrdinalIgnoreCase) => BodyKind.Json,
            _ => throw new ApiException(415, ApiCodes.CannotReadBody, $"content type '{type}' is not supported: send application/json or form fields"),
        };
        if (media.Charset.HasValue && !IsUtf8(media.Charset.Value!))
        {
            throw new ApiException(415, ApiCodes.CannotReadBody, $"charset '{media.Charset.Value}' is not supported: bodies are UTF-8");
        }
        return kind;
    }

    private static bool IsUtf8(string charset)
    {
        var name = charset.Trim('"');
        return name.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || name.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }
}
