using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace RaftActors.Host.Api;

/// <summary>
/// Reads a request body as JSON or as form fields (eosc clients post both), within the configured size
/// limit. Anything that is not the expected shape is a 400 in the envelope, before the node sees it.
/// </summary>
internal static class BodyReader
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> json, Func<IFormCollection, T> fromForm, CancellationToken cancellationToken)
        where T : class
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            return fromForm(form);
        }
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) && !type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(415, ApiCodes.CannotReadBody, $"content type '{type}' is not supported: send application/json or form fields");
        }
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, json, cancellationToken).ConfigureAwait(false)
                ?? throw new ApiException(400, ApiCodes.BadProposal, "the body is JSON null: send an object");
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 0 } path ? $" at {path}" : "";
            throw new ApiException(400, ApiCodes.BadProposal, $"the body is not the expected JSON{where}: {FirstSentence(ex.Message)}");
        }
    }

    /// <summary>A form field as a node id: absent gives null, anything but a positive whole number is a 400.</summary>
    public static ulong? FormId(IFormCollection form, string name)
    {
        var text = form[name].ToString();
        if (text.Length == 0) return null;
        return ulong.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new ApiException(400, ApiCodes.BadProposal, $"'{name}' must be a node id (a whole number from 1), not '{text}'");
    }

    public static string? FormText(IFormCollection form, string name) => form.TryGetValue(name, out var values) ? values.ToString() : null;

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}
