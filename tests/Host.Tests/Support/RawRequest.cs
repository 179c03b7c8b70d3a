using System.Net.Http.Headers;
using System.Text;

namespace RaftActors.Host.Tests.Support;

/// <summary>Requests the way a careless client sends them: any bytes, any Content-Type header, unchecked.</summary>
internal static class RawRequest
{
    public static HttpRequestMessage Post(string path, string? contentType, byte[] body) => Make(HttpMethod.Post, path, contentType, body);

    public static HttpRequestMessage Post(string path, string? contentType, string body) => Post(path, contentType, Encoding.UTF8.GetBytes(body));

    public static HttpRequestMessage Make(HttpMethod method, string path, string? contentType, byte[]? body)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = null;
            if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        return request;
    }

    public static MediaTypeHeaderValue? None => null;
}
