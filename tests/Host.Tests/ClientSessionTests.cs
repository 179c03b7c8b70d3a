using System.Net;
using System.Text;
using System.Text.Json;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// Issue 8 item 12: <c>POST /raft/api/set</c> with <c>Raft-Client-Id</c> and <c>Raft-Sequence</c> is applied at most
/// once per (client, sequence); a retry gets the first answer and does not apply again. Bad values are 400s.
/// </summary>
public sealed class ClientSessionTests(InProcessNode node) : IClassFixture<InProcessNode>
{
    private ApiClient Api => node.Api;

    private Task<ApiReply> SetAsync(string key, string value, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/raft/api/set")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { key, value }), Encoding.UTF8, "application/json"),
        };
        foreach (var (name, text) in headers) request.Headers.TryAddWithoutValidation(name, text);
        return Api.SendAsync(request);
    }

    [Fact]
    public async Task A_retry_of_the_same_client_and_sequence_is_not_applied_again_and_gets_the_first_answer()
    {
        (string, string)[] session = [("Raft-Client-Id", "4242"), ("Raft-Sequence", "1")];
        var first = await SetAsync("session-key", "from-a", session);
        Assert.True(first.Ok, first.ToString());

        var other = await SetAsync("session-key", "from-b");
        Assert.True(other.Ok, other.ToString());

        // The retry arrives after another client's write: applying it again would put "from-a" back.
        var retry = await SetAsync("session-key", "from-a", session);
        Assert.True(retry.Ok, retry.ToString());
        Assert.Equal(first.Data!.Value.GetRawText(), retry.Data!.Value.GetRawText());
        Assert.Equal("from-b", await Api.ValueAsync("session-key"));

        // The session's next number is applied as usual.
        var next = await SetAsync("session-key", "from-a-again", ("Raft-Client-Id", "4242"), ("Raft-Sequence", "2"));
        Assert.True(next.Ok, next.ToString());
        Assert.Equal("from-a-again", await Api.ValueAsync("session-key"));
    }

    [Theory]
    [InlineData("0", "1")]
    [InlineData("1", "0")]
    [InlineData("-1", "1")]
    [InlineData("1", "-3")]
    [InlineData("abc", "1")]
    [InlineData("1", "one")]
    [InlineData("1.5", "1")]
    [InlineData("18446744073709551616", "1")]
    [InlineData("1", "")]
    public async Task A_bad_client_id_or_sequence_is_400_and_changes_nothing(string clientId, string sequence)
    {
        var before = (await Api.StatusAsync()).Data!.Value.GetProperty("lastIndex").GetUInt64();
        var reply = await SetAsync("sentinel", "changed", ("Raft-Client-Id", clientId), ("Raft-Sequence", sequence));
        Assert.True(reply.Status == HttpStatusCode.BadRequest && reply.Code == "120003", reply.ToString());
        Assert.Equal("not-applied", reply.Data!.Value.GetProperty("outcome").GetString());
        Assert.False(string.IsNullOrWhiteSpace(reply.Error));
        Assert.Equal(before, (await Api.StatusAsync()).Data!.Value.GetProperty("lastIndex").GetUInt64());
        Assert.Equal("before", await Api.ValueAsync("sentinel", "stale"));
    }

    [Theory]
    [InlineData("Raft-Client-Id", "5")]
    [InlineData("Raft-Sequence", "5")]
    public async Task One_session_header_without_the_other_is_400(string header, string value)
    {
        var reply = await SetAsync("sentinel", "changed", (header, value));
        Assert.True(reply.Status == HttpStatusCode.BadRequest && reply.Code == "120003", reply.ToString());
        Assert.Equal("before", await Api.ValueAsync("sentinel", "stale"));
    }
}
