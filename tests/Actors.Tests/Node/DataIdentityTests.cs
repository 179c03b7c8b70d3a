using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;

namespace RaftActors.Actors.Tests.Node;

/// <summary>
/// The pieces that tell a node that lost its data from the node its peers knew: the identity of a data folder, the
/// book of identities peers last used, and the inbox that refuses a changed identity and stops on a refusal of its own.
/// </summary>
public sealed class DataIdentityTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private const string ClusterId = "identity-tests";
    private static readonly byte[] Secret = "0123456789abcdef-identity-secret"u8.ToArray();

    private readonly string _data = Directory.CreateTempSubdirectory("raftactors-identity-").FullName;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public void A_data_folder_keeps_its_identity_across_starts_and_gets_a_new_one_after_a_wipe()
    {
        var first = DataIdentity.LoadOrCreate(_data);
        Assert.NotEqual(0UL, first);
        Assert.Equal(first, DataIdentity.LoadOrCreate(_data));

        File.Delete(Path.Combine(_data, DataIdentity.FileName));
        Assert.NotEqual(first, DataIdentity.LoadOrCreate(_data));
    }

    [Fact]
    public void The_book_learns_a_peers_first_identity_refuses_another_remembers_across_restarts_and_forgets_a_removed_peer()
    {
        var book = PeerIdentityBook.Open(_data);
        Assert.True(book.Admit(2, 0xA, out _));
        Assert.True(book.Admit(2, 0xA, out _));
        Assert.False(book.Admit(2, 0xB, out var known));
        Assert.Equal(0xAUL, known);

        var reopened = PeerIdentityBook.Open(_data);
        Assert.False(reopened.Admit(2, 0xB, out _));
        reopened.Forget(2);
        Assert.True(PeerIdentityBook.Open(_data).Admit(2, 0xB, out _));
    }

    [Fact]
    public void A_damaged_book_stops_the_start_with_a_clear_error()
    {
        File.WriteAllText(Path.Combine(_data, PeerIdentityBook.FileName), "2 not-hex\n");
        var error = Assert.Throws<RaftNodeException>(() => PeerIdentityBook.Open(_data));
        Assert.Contains("damaged line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_inbox_drops_the_frames_of_a_peer_showing_another_identity_and_tells_it()
    {
        var raft = CreateTestProbe();
        var inbox = Inbox(raft, localIdentity: 0x1);
        var peer = new PeerAuthenticator(ClusterId, Secret, 2, dataIdentity: 0xA);
        inbox.Tell(peer.Seal(1, PeerPayloadKind.RaftMessages, Heartbeat()));
        await raft.FishForMessageAsync(m => m is PeerMessagesReceived);

        var wiped = new PeerAuthenticator(ClusterId, Secret, 2, dataIdentity: 0xB);
        inbox.Tell(wiped.Seal(1, PeerPayloadKind.RaftMessages, Heartbeat()));
        var refusal = await raft.FishForMessageAsync<OutboundForward>(m => m.Kind == PeerPayloadKind.IdentityRefused);
        Assert.Equal(2UL, refusal.To);
        Assert.Equal(BitConverter.GetBytes(0xBUL), refusal.Body.ToArray());
        await raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_refusal_of_this_nodes_identity_fails_the_inbox_and_one_of_another_identity_does_not()
    {
        var raft = CreateTestProbe();
        var inbox = Inbox(raft, localIdentity: 0x1);
        var peer = new PeerAuthenticator(ClusterId, Secret, 2, dataIdentity: 0xA);

        // A refusal of another start's identity changes nothing.
        await EventFilter.Exception<NodeDataLostException>().ExpectAsync(0, TimeSpan.FromMilliseconds(300), async () =>
        {
            inbox.Tell(peer.Seal(1, PeerPayloadKind.IdentityRefused, BitConverter.GetBytes(0x7UL)));
            await Task.Delay(300);
        });

        // The node's guardian stops the node on the inbox's failure (NodeGuardian's strategy).
        await EventFilter.Exception<NodeDataLostException>().ExpectOneAsync(() =>
        {
            inbox.Tell(peer.Seal(1, PeerPayloadKind.IdentityRefused, BitConverter.GetBytes(0x1UL)));
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task The_inbox_hands_on_each_forward_of_a_batch_in_order_and_drops_a_malformed_batch_whole()
    {
        var raft = CreateTestProbe();
        var forwards = new System.Collections.Concurrent.ConcurrentQueue<(ulong From, byte[] Body)>();
        var inbox = Inbox(raft, localIdentity: 0x1, (from, body) =>
        {
            forwards.Enqueue((from, body.ToArray()));
            return ValueTask.CompletedTask;
        });
        var peer = new PeerAuthenticator(ClusterId, Secret, 2, dataIdentity: 0xA);

        inbox.Tell(peer.Seal(1, PeerPayloadKind.ForwardBatch, PeerBodyCodec.EncodeForwardBatch([[1, 1], [2, 2, 2]])));
        await AwaitConditionAsync(() => Task.FromResult(forwards.Count == 2));
        Assert.Equal([(2UL, new byte[] { 1, 1 }), (2UL, new byte[] { 2, 2, 2 })], forwards.ToArray());

        var malformed = PeerBodyCodec.EncodeForwardBatch([[3, 3], [4, 4]])[..^1];
        inbox.Tell(peer.Seal(1, PeerPayloadKind.ForwardBatch, malformed));
        inbox.Tell(peer.Seal(1, PeerPayloadKind.ForwardBatch, PeerBodyCodec.EncodeForwardBatch([[5, 5]])));
        await AwaitConditionAsync(() => Task.FromResult(forwards.Count == 3));
        Assert.Equal(new byte[] { 5, 5 }, forwards.Last().Body);
    }

    private IActorRef Inbox(Akka.TestKit.TestProbe raft, ulong localIdentity, Func<ulong, ReadOnlyMemory<byte>, ValueTask>? onForward = null) =>
        TestInbox.Start(Sys, _data, ClusterId, Secret, raft, localIdentity, onForward);

    private static byte[] Heartbeat() =>
        PeerBodyCodec.EncodeRaftMessages([new RaftMessage { Type = MessageType.Heartbeat, From = 2, To = 1, Term = 1 }]);
}
