using System.Net;
using System.Text;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// Issue 11's classes of malformed HTTP input, one test each: every one is a 4xx with the eosc envelope (code,
/// msg, error, and data.outcome "not-applied"), and the node's log and the stored value stay as they were.
/// </summary>
public sealed class HttpMalformedInputTests(InProcessNode node) : IClassFixture<InProcessNode>
{
    private const string Set = "/raft/api/set";
    private const string Form = "application/x-www-form-urlencoded";

    private ApiClient Api => node.Api;

    private async Task<ulong> LastIndexAsync() => (await Api.StatusAsync()).Data!.Value.GetProperty("lastIndex").GetUInt64();

    private async Task<ApiReply> AssertRefusedAsync(HttpRequestMessage request, HttpStatusCode status, string code)
    {
        var before = await LastIndexAsync();
        var reply = await Api.SendAsync(request);
        Assert.True(reply.Status == status && reply.Code == code, $"expected {(int)status} {code}, got {reply}");
        Assert.False(string.IsNullOrWhiteSpace(reply.Msg), $"the envelope needs msg: {reply}");
        Assert.False(string.IsNullOrWhiteSpace(reply.Error), $"the envelope must say what went wrong: {reply}");
        Assert.Equal("not-applied", reply.Data?.GetProperty("outcome").GetString());
        Assert.Equal(before, await LastIndexAsync());
        Assert.Equal("before", await Api.ValueAsync("sentinel", "stale"));
        return reply;
    }

    // The issue's first reproduction: a multipart Content-Type over a JSON body was a 500 (IOException from the multipart reader).
    [Fact]
    public Task Set_as_multipart_whose_body_is_json_is_400_not_500() =>
        AssertRefusedAsync(RawRequest.Post(Set, "multipart/form-data; boundary=x", "{\"key\":\"sentinel\",\"value\":\"v1\"}"), HttpStatusCode.BadRequest, "120002");

    // The issue's second reproduction: 3000 '[' as one form field name broke ASP.NET's key length limit, a 500.
    [Fact]
    public Task Set_as_a_form_of_3000_brackets_is_400_not_500() =>
        AssertRefusedAsync(RawRequest.Post(Set, Form, new string('[', 3000)), HttpStatusCode.BadRequest, "120002");

    [Fact]
    public Task Multipart_without_a_boundary_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, "multipart/form-data", "--x\r\n"), HttpStatusCode.BadRequest, "120002");

    [Fact]
    public Task Multipart_cut_off_inside_a_part_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, "multipart/form-data; boundary=b",
            "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nsentinel\r\n--b\r\nContent-Disposition: form-data; name=\"value\"\r\n\r\nv"),
            HttpStatusCode.BadRequest, "120002");

    [Fact]
    public Task Multipart_with_a_file_part_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, "multipart/form-data; boundary=b",
            "--b\r\nContent-Disposition: form-data; name=\"key\"; filename=\"k.txt\"\r\n\r\nsentinel\r\n--b--\r\n"), HttpStatusCode.BadRequest, "120002");

    [Fact]
    public async Task Set_as_multipart_fields_is_applied()
    {
        var reply = await Api.SendAsync(RawRequest.Post(Set, "multipart/form-data; boundary=b",
            "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nmultipart-key\r\n--b\r\nContent-Disposition: form-data; name=\"value\"\r\n\r\nmé\r\n--b--\r\n"));
        Assert.True(reply.Ok, reply.ToString());
        Assert.Equal("mé", await Api.ValueAsync("multipart-key", "stale"));
    }

    [Theory]
    [InlineData("application/json; charset")]
    [InlineData("/json")]
    [InlineData("json")]
    [InlineData("application/json; =x")]
    public Task A_malformed_content_type_is_400(string contentType) =>
        AssertRefusedAsync(RawRequest.Post(Set, contentType, "{\"key\":\"sentinel\",\"value\":\"x\"}"), HttpStatusCode.BadRequest, "120002");

    [Theory]
    [InlineData("application/json; charset=latin1")]
    [InlineData("application/x-www-form-urlencoded; charset=utf-16")]
    [InlineData("image/png")]
    public Task An_unsupported_content_type_or_charset_is_415(string contentType) =>
        AssertRefusedAsync(RawRequest.Post(Set, contentType, "{\"key\":\"sentinel\",\"value\":\"x\"}"), HttpStatusCode.UnsupportedMediaType, "120002");

    [Fact]
    public Task Json_that_is_not_utf8_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, "application/json", [.. "{\"key\":\"sentinel\",\"value\":\""u8, 0xC3, 0x28, .. "\"}"u8]),
            HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task A_form_value_that_is_not_utf8_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, Form, "key=sentinel&value=%C3%28"), HttpStatusCode.BadRequest, "120002");

    [Fact]
    public Task A_form_with_a_broken_percent_escape_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, Form, "key=sentinel&value=%4"), HttpStatusCode.BadRequest, "120002");

    [Fact]
    public Task A_form_with_too_many_fields_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, Form, "key=sentinel&value=x&" + string.Join("&", Enumerable.Range(0, 100).Select(i => $"f{i}=1"))),
            HttpStatusCode.BadRequest, "120002");

    [Fact]
    public Task A_lone_surrogate_escape_in_the_value_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, "application/json", "{\"key\":\"sentinel\",\"value\":\"\\ud800\"}"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task Json_nested_deeper_than_64_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, "application/json", $"{{\"key\":\"sentinel\",\"value\":\"x\",\"extra\":{new string('[', 100)}{new string(']', 100)}}}"),
            HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task A_node_id_beyond_64_bits_is_400() =>
        AssertRefusedAsync(RawRequest.Post("/raft/api/deleteNode", "application/json", "{\"id\": 18446744073709551616}"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task A_node_id_with_an_exponent_is_400() =>
        AssertRefusedAsync(RawRequest.Post("/raft/api/deleteNode", "application/json", "{\"id\": 1e400}"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task A_json_key_given_twice_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, "application/json", "{\"key\":\"sentinel\",\"value\":\"x\",\"value\":\"y\"}"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task A_form_field_given_twice_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, Form, "key=sentinel&value=x&value=y"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task A_query_parameter_given_twice_is_400() =>
        AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Get, "/raft/api/get?key=sentinel&key=other"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task An_empty_json_body_is_400() =>
        AssertRefusedAsync(RawRequest.Post(Set, "application/json", ""), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public async Task A_wrong_method_is_405_with_the_envelope()
    {
        var reply = await AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Get, Set), HttpStatusCode.MethodNotAllowed, "120003");
        Assert.Contains("POST", reply.Error, StringComparison.Ordinal);
    }

    [Fact]
    public Task A_delete_on_get_is_405_with_the_envelope() =>
        AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Delete, "/raft/api/get?key=sentinel"), HttpStatusCode.MethodNotAllowed, "120003");

    [Theory]
    [InlineData("/raft/api/nothing")]
    [InlineData("/")]
    [InlineData("/raft/api/set/extra")]
    public Task An_unknown_path_is_404_with_the_envelope(string path) =>
        AssertRefusedAsync(RawRequest.Post(path, "application/json", "{}"), HttpStatusCode.NotFound, "120003");
}
