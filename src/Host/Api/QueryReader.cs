using Microsoft.AspNetCore.Http;

namespace RaftActors.Host.Api;

/// <summary>Query parameters read by hand rather than bound: a parameter given twice is a 400, not two values joined by a comma.</summary>
internal static class QueryReader
{
    public static string? Single(HttpRequest request, string name)
    {
        var values = request.Query[name];
        if (values.Count > 1) throw new ApiException(400, ApiCodes.BadProposal, $"the query parameter '{name}' is given {values.Count} times: give it once");
        return values.Count == 0 ? null : values[0];
    }
}
