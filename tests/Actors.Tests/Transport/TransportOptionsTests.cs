using RaftActors.Actors.Transport;
using static RaftActors.Actors.Tests.Transport.TransportTestKit;

namespace RaftActors.Actors.Tests.Transport;

public sealed class TransportOptionsTests
{
    [Fact]
    public void Defaults_with_identity_are_valid() => Options(1).Validate();

    public static TheoryData<string, Func<TransportOptions, TransportOptions>> Invalid => new()
    {
        { "ClusterId", o => o with { ClusterId = "" } },
        { "ClusterId", o => o with { ClusterId = new string('x', 256) } },
        { "NodeId", o => o with { NodeId = 0 } },
        { "Secret", o => o with { Secret = new byte[15] } },
        { "MaxFrameSize", o => o with { MaxFrameSize = 100 } },
        { "SnapshotChunkSize", o => o with { SnapshotChunkSize = o.MaxFrameSize } },
        { "ConnectTimeout", o => o with { ConnectTimeout = TimeSpan.Zero } },
        { "HandshakeTimeout", o => o with { HandshakeTimeout = TimeSpan.FromSeconds(-1) } },
        { "BackoffMin", o => o with { BackoffMin = TimeSpan.FromSeconds(10), BackoffMax = TimeSpan.FromSeconds(1) } },
        { "QueueCapacity", o => o with { QueueCapacity = 0 } },
        { "MaxPendingHandshakes", o => o with { MaxPendingHandshakes = 0 } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_setting_is_named_in_the_error(string name, Func<TransportOptions, TransportOptions> change)
    {
        var error = Assert.Throws<ArgumentException>(() => change(Options(1)).Validate());
        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public void Backoff_doubles_from_the_minimum_and_is_capped_at_the_maximum()
    {
        var min = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromSeconds(5);
        Assert.Equal(min, Backoff.Delay(0, min, max, random: 1));
        Assert.Equal(TimeSpan.FromMilliseconds(800), Backoff.Delay(3, min, max, random: 1));
        Assert.Equal(TimeSpan.FromMilliseconds(400), Backoff.Delay(3, min, max, random: 0));
        Assert.Equal(max, Backoff.Delay(50, min, max, random: 1));
        Assert.Equal(max, Backoff.Delay(int.MaxValue, min, max, random: 1));
        for (var failures = 0; failures < 64; failures++) Assert.InRange(Backoff.Delay(failures, min, max), min, max);
    }
}
