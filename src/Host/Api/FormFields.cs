using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace RaftActors.Host.Api;

/// <summary>
/// The fields of a form body, read strictly: each name at most once, names of a sane length, a bounded number
/// of fields, valid percent-encoding and UTF-8 (like Go's <c>url.ParseQuery</c>, which eosc used). ASP.NET's
/// form reader throws on its limits and reads bad UTF-8 as replacement characters; here each of these is a 400.
/// </summary>
internal sealed class FormFields
{
    public const int MaxFields = 64;
    public const int MaxNameBytes = 256;

    private readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);

    public int Count => _fields.Count;

    public string? Text(string name) => _fields.GetValueOrDefault(name);

    /// <summary>A field as a node id: absent gives null, anything but a positive whole number is a 400.</summary>
    public ulong? Id(string name)
    {
        if (Text(name) is not { Length: > 0 } text) return null;
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new ApiException(400, ApiCodes.BadProposal, $"'{name}' must be a node id (a whole number from 1), not '{Shorten(text)}'");
    }

    /// <summary><c>application/x-www-form-urlencoded</c>: <c>name=value</c> pairs joined by <c>&amp;</c>, <c>+</c> for space.</summary>
    public static FormFields ParseUrlEncoded(ReadOnlySpan<byte> body)
    {
        var form = new FormFields();
        while (body.Length > 0)
        {
            var end = body.IndexOf((byte)'&');
            var pair = end < 0 ? body : body[..end];
            body = end < 0 ? [] : body[(end + 1)..];
            if (pair.IsEmpty) continue;
            var equals = pair.IndexOf((byte)'=');
            var name = Decode(equals < 0 ? pair : pair[..equals], "name");
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..], "value");
            form.Add(name, value);
        }
        return form;
    }

    /// <summary><c>multipart/form-data</c>: text parts only (no endpoint takes files), each read within the body limit.</summary>
    public static async Task<FormFields> ReadMultipartAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var media = MediaTypeHeaderValue.Parse(request.ContentType);
        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70)
        {
            throw new ApiException(400, ApiCodes.CannotReadBody, "a multipart body needs a boundary of 1 to 70 characters in its Content-Type");
        }
        var reader = new MultipartReader(boundary, request.Body) { HeadersCountLimit = 16, HeadersLengthLimit = 8 * 1024 };
        var form = new FormFields();
        while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFormDisposition())
            {
                throw new ApiException(400, ApiCodes.CannotReadBody, "every part of a multipart body needs 'Content-Disposition: form-data; name=...'");
            }
            if (disposition.IsFileDisposition()) throw new ApiException(400, ApiCodes.CannotReadBody, "file parts are not accepted: send form fields");
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            using var value = new MemoryStream();
            await section.Body.CopyToAsync(value, cancellationToken).ConfigureAwait(false);
            form.Add(CheckName(name), BodyReader.StrictUtf8.GetString(value.GetBuffer(), 0, (int)value.Length));
        }
        return form;
    }

    private void Add(string name, string value)
    {
        if (_fields.Count == MaxFields) throw new ApiException(400, ApiCodes.CannotReadBody, $"the form has more than {MaxFields} fields");
        if (!_fields.TryAdd(name, value)) throw new ApiException(400, ApiCodes.BadProposal, $"the form field '{Shorten(name)}' is given more than once");
    }

    private static string CheckName(string name)
    {
        if (name.Length == 0) throw new ApiException(400, ApiCodes.CannotReadBody, "a form field has no name");
        if (BodyReader.StrictUtf8.GetByteCount(name) > MaxNameBytes) throw new ApiException(400, ApiCodes.CannotReadBody, $"a form field name is longer than {MaxNameBytes} bytes");
        return name;
    }

    /// <summary>Percent-decoding to bytes, then strict UTF-8: <c>%zz</c>, a cut <c>%4</c> or bytes that are not UTF-8 are refused.</summary>
    private static string Decode(ReadOnlySpan<byte> encoded, string what)
    {
        if (what == "name" && encoded.Length > 3 * MaxNameBytes) throw new ApiException(400, ApiCodes.CannotReadBody, $"a form field name is longer than {MaxNameBytes} bytes");
        var bytes = new byte[encoded.Length];
        var n = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var b = encoded[i];
            if (b == '+')
            {
                bytes[n++] = (byte)' ';
            }
            else if (b == '%')
            {
                if (i + 2 >= encoded.Length || !IsHex(encoded[i + 1]) || !IsHex(encoded[i + 2]))
                {
                    throw new ApiException(400, ApiCodes.CannotReadBody, $"a form field {what} has a malformed percent-encoding ('%' must be followed by two hex digits)");
                }
                bytes[n++] = (byte)((Hex(encoded[i + 1]) << 4) | Hex(encoded[i + 2]));
                i += 2;
            }
            else
            {
                bytes[n++] = b;
            }
        }
        string text;
        try
        {
            text = BodyReader.StrictUtf8.GetString(bytes, 0, n);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new ApiException(400, ApiCodes.CannotReadBody, $"a form field {what} is not valid UTF-8");
        }
        return what == "name" ? CheckName(text) : text;
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int Hex(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
