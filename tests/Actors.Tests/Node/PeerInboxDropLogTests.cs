using Akka.Actor;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// What the inbox logs about the frames it drops: every new kind of drop from a sender shows at once, however many
/// drops of another kind came before it, while a sender repeating one kind cannot flood the log.
/// </summary>
public sealed class PeerInboxDropLogTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private const string ClusterId = "drop-log-tests";
    private static readonly byte[] Secret = "0123456789abcdef-drop-log-secret"u8.ToArray();
    private readonly string _data = Directory.CreateTempSubdirectory("raftactors-droplog-").FullName;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task A_new_kind_of_drop_is_logged_after_many_of_another_and_a_repeated_kind_is_not()
    {
        var raft = CreateTestProbe();
        var logs = new CapturingLoggerFactory();
        var inbox = TestInbox.Start(Sys, _data, ClusterId, Secret, raft, localIdentity: 0x1, logger: logs.CreateLogger("inbox"));
        var peer = new PeerAuthenticator(ClusterId, Secret, 2, dataIdentity: 0xA);
        var forger = new PeerAuthenticator(ClusterId, "another-secret-0123456789abcdef"u8, 2, dataIdentity: 0xA);

        for (var i = 0; i < 20; i++) inbox.Tell(forger.Seal(1, PeerPayloadKind.RaftMessages, Heartbeat()));
        var genuine = peer.Seal(1, PeerPayloadKind.RaftMessages, Heartbeat());
        inbox.Tell(genuine);
        await raft.FishForMessageAsync(m => m is PeerMessagesReceived);
        inbox.Tell(genuine);
        inbox.Tell(genuine);

        await AwaitConditionAsync(() => Task.FromResult(Dropped(logs, nameof(PeerDropReason.Replayed)) == 1));
        Assert.Equal(1, Dropped(logs, nameof(PeerDropReason.BadMac)));
        await raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, Dropped(logs, nameof(PeerDropReason.Replayed)));
    }

    private static int Dropped(CapturingLoggerFactory logs, string reason) =>
        logs.Lines.Count(l => l.Message.Contains("dropped a frame", StringComparison.Ordinal) && l.Message.EndsWith(reason, StringComparison.Ordinal));

    private static byte[] Heartbeat() =>
        PeerBodyCodec.EncodeRaftMessages([new RaftMessage { Type = MessageType.Heartbeat, From = 2, To = 1, Term = 1 }]);
}
