using System.Net;
using System.Net.Http.Json;
using System.Text;
using RaftActors.Host.Tests.Support;

namespace RaftActors.Host.Tests;

/// <summary>
/// Every bad input gets the right HTTP status and eosc code in the envelope, and changes nothing: the log's
/// last index and the stored value stay as they were.
/// </summary>
public sealed class HttpBadInputTests(InProcessNode node) : IClassFixture<InProcessNode>
{
    private ApiClient Api => node.Api;

    private async Task<ulong> LastIndexAsync() => (await Api.StatusAsync()).Data!.Value.GetProperty("lastIndex").GetUInt64();

    private async Task AssertRefusedAsync(Func<Task<ApiReply>> request, HttpStatusCode status, string code)
    {
        var before = await LastIndexAsync();
        var reply = await request();
        Assert.True(reply.Status == status && reply.Code == code, $"expected {(int)status} {code}, got {reply}");
        Assert.False(string.IsNullOrWhiteSpace(reply.Error), $"the envelope must say what went wrong: {reply}");
        Assert.Equal("not-applied", reply.Data?.GetProperty("outcome").GetString());
        Assert.Equal(before, await LastIndexAsync());
        Assert.Equal("before", await Api.ValueAsync("sentinel"));
    }

    [Fact]
    public Task Set_with_malformed_json_is_400() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/set", "{\"key\": \"sentinel\", "), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task Set_without_key_is_400() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/set", "{\"value\": \"x\"}"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task Set_with_a_number_for_key_is_400() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/set", "{\"key\": 5, \"value\": \"x\"}"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task Set_with_an_object_for_value_is_400() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/set", "{\"key\": \"sentinel\", \"value\": {}}"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task Set_with_json_null_is_400() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/set", "null"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task Set_without_value_as_form_is_400() =>
        AssertRefusedAsync(() => Api.PostFormAsync("/raft/api/set", ("key", "sentinel")), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task Oversized_body_is_413() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/set", $"{{\"key\": \"sentinel\", \"value\": \"{new string('x', 10_000)}\"}}"),
            HttpStatusCode.RequestEntityTooLarge, "120002");

    [Fact]
    public Task Unsupported_content_type_is_415() =>
        AssertRefusedAsync(() => Api.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/raft/api/set")
        {
            Content = new StringContent("<kv key='sentinel'/>", Encoding.UTF8, "application/xml"),
        }), HttpStatusCode.UnsupportedMediaType, "120002");

    [Fact]
    public Task Get_without_key_is_400() =>
        AssertRefusedAsync(() => Api.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/raft/api/get")), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task Get_with_unknown_consistency_is_400() =>
        AssertRefusedAsync(() => Api.GetAsync("sentinel", "eventually"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task Get_of_a_missing_key_is_404() =>
        AssertRefusedAsync(() => Api.GetAsync("no-such-key"), HttpStatusCode.NotFound, "120005");

    [Fact]
    public Task AddNode_without_id_is_400() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/addNode", "{\"host\": \"127.0.0.1:1\"}"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task AddNode_with_a_text_id_in_a_form_is_400() =>
        AssertRefusedAsync(() => Api.PostFormAsync("/raft/api/addNode", ("id", "two"), ("host", "127.0.0.1:1")), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task AddNode_with_a_bad_host_is_400() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/addNode", "{\"id\": 7, \"host\": \"nowhere\"}"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task AddNode_with_a_duplicate_id_is_409() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/addNode", "{\"id\": 1, \"host\": \"127.0.0.1:1\"}"), HttpStatusCode.Conflict, "110004");

    [Fact]
    public Task DeleteNode_of_an_unknown_id_is_404() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/deleteNode", "{\"id\": 99}"), HttpStatusCode.NotFound, "110003");

    [Fact]
    public Task DeleteNode_with_a_negative_id_is_400() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/deleteNode", "{\"id\": -1}"), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public Task DeleteNode_of_itself_when_standalone_is_409() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/deleteNode", "{\"id\": 1}"), HttpStatusCode.Conflict, "110005");

    [Fact]
    public Task TransferLeader_when_standalone_is_409() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/transferLeader", "{}"), HttpStatusCode.Conflict, "110005");

    [Fact]
    public Task Leave_when_standalone_is_409() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/leave", "{}"), HttpStatusCode.Conflict, "110005");

    [Fact]
    public Task JoinCode_when_not_joining_is_404() =>
        AssertRefusedAsync(() => Api.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/raft/api/joinCode")), HttpStatusCode.NotFound, "110006");

    [Fact]
    public Task Join_with_a_wrong_secret_is_403() =>
        AssertRefusedAsync(() => PostJoinAsync("inproc", "a-different-secret-0123456789"), HttpStatusCode.Forbidden, "110001");

    [Fact]
    public Task Join_from_another_cluster_is_403() =>
        AssertRefusedAsync(() => PostJoinAsync("other-cluster", InProcessNode.Secret), HttpStatusCode.Forbidden, "110001");

    [Fact]
    public Task Join_whose_callback_address_does_not_answer_is_502() =>
        AssertRefusedAsync(() => PostJoinAsync("inproc", InProcessNode.Secret), HttpStatusCode.BadGateway, "110006");

    [Fact]
    public Task Join_with_malformed_json_is_400() =>
        AssertRefusedAsync(() => Api.PostJsonAsync("/raft/api/join", "{\"peer\": "), HttpStatusCode.BadRequest, "120003");

    [Fact]
    public async Task Set_as_form_fields_is_applied_and_stamped()
    {
        var reply = await Api.PostFormAsync("/raft/api/set", ("key", "form-key"), ("value", "form-value"));
        Assert.True(reply.Ok, reply.ToString());
        Assert.Equal("success", reply.Msg);
        Assert.True(reply.Data!.Value.GetProperty("stamp").GetInt64() > 0);
        Assert.Equal("form-value", await Api.ValueAsync("form-key", "stale"));
    }

    [Fact]
    public async Task Health_and_peer_list_answer()
    {
        Assert.True(await Api.HealthyAsync());
        var peers = await Api.PeersAsync();
        Assert.True(peers.Ok, peers.ToString());
        Assert.Single(peers.Data!.Value.EnumerateObject());
        Assert.Equal("standalone", (await Api.StatusAsync()).Data!.Value.GetProperty("mode").GetString());
    }

    /// <summary>A join request whose callback address points at a port nobody listens on.</summary>
    private Task<ApiReply> PostJoinAsync(string clusterId, string secret)
    {
        var port = TestPorts.Free(1)[0];
        var request = new global::RaftActors.Host.Api.JoinRequest
        {
            ClusterId = clusterId,
            Peer = $"127.0.0.1:{port}",
            Http = $"http://127.0.0.1:{port}",
            Code = "ABCDEF",
            Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        request = request with { Proof = global::RaftActors.Host.Node.JoinProof.Compute(secret, request) };
        return Api.PostJsonAsync("/raft/api/join", System.Text.Json.JsonSerializer.Serialize(request, global::RaftActors.Host.Api.HostJson.Default.JoinRequest));
    }
}
