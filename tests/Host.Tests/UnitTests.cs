using System.Text;
using System.Text.Json;
using RaftActors.Actors;
using RaftActors.Host.Api;
using RaftActors.Host.Configuration;
using RaftActors.Host.Services;

namespace RaftActors.Host.Tests;

public sealed class OptionsTests
{
    private static IReadOnlyList<string> Errors(NodeHostOptions options)
    {
        var result = new NodeHostOptionsValidator().Validate(null, options);
        return result.Failed ? [.. result.Failures] : [];
    }

    [Fact]
    public void Defaults_are_a_valid_standalone_node() => Assert.Empty(Errors(new NodeHostOptions()));

    [Fact]
    public void Join_without_target_says_to_add_target() =>
        Assert.Contains(Errors(new NodeHostOptions { Join = true }), e => e.Contains("--target", StringComparison.Ordinal));

    [Fact]
    public void Keys_and_peers_of_different_lengths_say_so() =>
        Assert.Contains(Errors(new NodeHostOptions { Cluster = true, Peers = "127.0.0.1:7081,127.0.0.1:7082", Keys = "1" }),
            e => e.Contains("one id per address", StringComparison.Ordinal));

    [Fact]
    public void Host_must_match_own_entry_in_peers() =>
        Assert.Contains(Errors(new NodeHostOptions { Cluster = true, Host = "127.0.0.1:9999", Peers = "127.0.0.1:7081", Keys = "1" }),
            e => e.Contains("make them the same", StringComparison.Ordinal));

    [Fact]
    public void Short_secret_and_bad_port_are_reported_together()
    {
        var errors = Errors(new NodeHostOptions { Secret = "short", HttpPort = 70000 });
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void Lone_eosc_flags_get_a_value_and_explicit_ones_keep_theirs() =>
        Assert.Equal(["--cluster", "true", "--peers", "a", "--join", "false"], HostCommandLine.ConfigurationArgs(["--cluster", "--peers", "a", "--join", "false"]));

    [Theory]
    [InlineData("127.0.0.1:7001", "127.0.0.1:7001")]
    [InlineData("http://127.0.0.1:7001", "127.0.0.1:7001")]
    public void Peer_addresses_accept_both_eosc_forms(string given, string expected)
    {
        Assert.True(PeerAddress.TryNormalize(given, out var address, out _));
        Assert.Equal(expected, address);
    }
}

public sealed class ServiceTests
{
    [Fact]
    public async Task Key_value_prepare_stamps_the_leaders_time_and_apply_keeps_it()
    {
        var clock = new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var leader = new KeyValueService(clock);
        var command = await leader.PrepareAsync(Encoding.UTF8.GetBytes("{\"key\":\"a\",\"value\":\"b\"}"), default);
        var follower = new KeyValueService(new FixedClock(DateTimeOffset.UnixEpoch));
        var reply = JsonSerializer.Deserialize(follower.Apply(new ApplyContext(5, 1), command), HostJson.Default.KvRecord)!;
        Assert.Equal(new KvRecord("a", "b", 1_700_000_000_000, 5), reply);
    }

    [Fact]
    public async Task Key_value_snapshot_and_init_round_trip()
    {
        var source = new KeyValueService(TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            var command = await source.PrepareAsync(Encoding.UTF8.GetBytes($"{{\"key\":\"k{i}\",\"value\":\"v{i}\"}}"), default);
            source.Apply(new ApplyContext((ulong)i + 1, 1), command);
        }
        using var stream = new MemoryStream();
        await source.WriteSnapshotAsync(stream, default);
        Assert.Equal(3, Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        stream.Position = 0;
        var restored = new KeyValueService(TimeProvider.System);
        await restored.RestoreSnapshotAsync(stream, default);
        var fresh = new KeyValueService(TimeProvider.System);
        fresh.Apply(new ApplyContext(1, 1), await fresh.PrepareAsync(source.GetInit(), default));
        Assert.Equal(source.Query("k1"u8), restored.Query("k1"u8));
        Assert.Equal(source.Query("k2"u8), fresh.Query("k2"u8));
    }

    [Fact]
    public async Task Key_value_capture_copies_references_only_and_writes_the_state_as_of_the_capture()
    {
        var service = new KeyValueService(TimeProvider.System);
        const int keys = 20_000;
        for (var i = 0; i < keys; i++) service.Apply(new ApplyContext((ulong)i + 1, 1), await service.PrepareAsync(Set($"k{i}", new string('v', 100)), default));
        IService asService = service;
        await (await asService.CaptureSnapshotAsync(default))(Stream.Null, default); // the first capture warms the pool and the JIT

        var before = GC.GetAllocatedBytesForCurrentThread();
        var writer = await asService.CaptureSnapshotAsync(default);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // On the ServiceActor's loop, only references are copied: no JSON is made there (that was ~150 bytes per record).
        Assert.True(allocated < keys, $"the capture of {keys} records allocated {allocated} bytes on the applying thread");

        // Applies after the capture do not show in what it writes.
        service.Apply(new ApplyContext(keys + 1, 1), await service.PrepareAsync(Set("k0", "changed"), default));
        service.Apply(new ApplyContext(keys + 2, 1), await service.PrepareAsync(Set("new", "x"), default));
        using var stream = new MemoryStream();
        await writer(stream, default);
        stream.Position = 0;
        var restored = new KeyValueService(TimeProvider.System);
        await restored.RestoreSnapshotAsync(stream, default);
        Assert.Equal(new string('v', 100), JsonSerializer.Deserialize(restored.Query("k0"u8), HostJson.Default.KvRecord)!.Value);
        Assert.Empty(restored.Query("new"u8));
        Assert.Equal(keys, Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static byte[] Set(string key, string value) => JsonSerializer.SerializeToUtf8Bytes(new KvRequest { Op = "set", Key = key, Value = value }, HostJson.Default.KvRequest);

    [Fact]
    public async Task Key_value_prepare_rejects_a_set_without_key() =>
        await Assert.ThrowsAsync<ServiceRejectedException>(async () => await new KeyValueService(TimeProvider.System).PrepareAsync("{\"value\":\"v\"}"u8.ToArray(), default));

    [Fact]
    public void Membership_ids_are_never_reused_and_a_known_address_gets_its_id_back()
    {
        var registry = new MembershipService();
        MembersResult Run(MembersCommand command) =>
            JsonSerializer.Deserialize(registry.Apply(new ApplyContext(1, 1), JsonSerializer.SerializeToUtf8Bytes(command, HostJson.Default.MembersCommand)),
                HostJson.Default.MembersResult)!;
        Run(new MembersCommand { Op = "register", Id = 1, Peer = "a:1" });
        Assert.Equal(2ul, Run(new MembersCommand { Op = "allocate", Peer = "b:1" }).Id);
        Assert.Equal(2ul, Run(new MembersCommand { Op = "allocate", Peer = "b:1" }).Id);
        Assert.Equal(5ul, Run(new MembersCommand { Op = "allocate", Peer = "c:1", Floor = 5 }).Id);
        Assert.True(Run(new MembersCommand { Op = "remove", Id = 5 }).Ok);
        Assert.Equal(6ul, Run(new MembersCommand { Op = "allocate", Peer = "c:1" }).Id);
        Assert.False(Run(new MembersCommand { Op = "reserve", Id = 5, Peer = "d:1" }).Ok);
        Assert.False(Run(new MembersCommand { Op = "register", Id = 5, Peer = "c:1" }).Ok);
    }
}

/// <summary>A clock that always says the same time.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
