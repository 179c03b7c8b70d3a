using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using RaftActors.Actors.Remote;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// A snapshot transfer the receiver stops acknowledging fails after ten seconds of silence, on virtual time. The
/// peer is addressed with this system's own Akka address, so frames stay local and no remoting timer is involved.
/// </summary>
public sealed class PeerActorAckTimeoutTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config Configuration = ConfigurationFactory.ParseString("""
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        akka.test.single-expect-default = 10s
        """);

    private readonly string _data = Directory.CreateTempSubdirectory("raftactors-peer-timeout-").FullName;
    private readonly PeerAuthenticator _receiver = new(PeerTestNode.ClusterId, PeerTestNode.Secret, 2);
    private readonly TestProbe _inbox;
    private readonly TestProbe _raft;
    private readonly NodeSettings _node;

    public PeerActorAckTimeoutTests(ITestOutputHelper output)
        : base(Configuration, "raft", output)
    {
        _inbox = CreateTestProbe("inbox");
        _raft = CreateTestProbe("raft");
        PeerTestNode.StandAtInbox(Sys, 2, _inbox.Ref);
        _node = new NodeSettings
        {
            System = Sys,
            PersistenceId = "raft-peer-timeout-1",
            AdvertisedAddress = "akka://raft",
            DataDirectory = _data,
            Authenticator = new PeerAuthenticator(PeerTestNode.ClusterId, PeerTestNode.Secret, 1),
            MaxFrameBodyBytes = 4_000,
            SnapshotChunkBytes = 1_000,
            SnapshotChunksInFlight = 2,
        };
    }

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    protected override void AfterAll()
    {
        base.AfterAll();
        Directory.Delete(_data, recursive: true);
    }

    private async Task<PeerFrame> ExpectFrameAsync(PeerPayloadKind kind)
    {
        var frame = await _inbox.ExpectMsgAsync<PeerFrame>();
        Assert.True(_receiver.Open(frame, out _));
        Assert.Equal(kind, frame.Kind);
        return frame;
    }

    /// <summary>Returns once the PeerActor has handled everything told before (its timer is set): a frame told after comes back.</summary>
    private async Task SettleAsync(IActorRef peer)
    {
        peer.Tell(new OutboundMessages([new RaftMessage { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 1 }]));
        await ExpectFrameAsync(PeerPayloadKind.RaftMessages);
    }

    [Fact]
    public async Task Snapshot_fails_when_the_receiver_acknowledges_nothing_for_ten_seconds_and_each_ack_restarts_the_wait()
    {
        var staged = Path.Combine(_data, "staged");
        await File.WriteAllBytesAsync(staged, new byte[3_000]);
        var meta = new SnapshotMetadata(9, 1, new ConfState([1, 2]));
        var reference = SnapshotFiles.Adopt(_node, meta, staged);
        var message = new RaftMessage { Type = MessageType.Snapshot, From = 1, To = 2, Term = 1, Snapshot = new Snapshot(meta) };
        var peer = Sys.ActorOf(PeerActor.CreateProps(new PeerActorSettings(_node, 1, 2, "akka://raft", _raft.Ref, NullLogger.Instance)));

        peer.Tell(new OutboundSnapshot(message, SnapshotFiles.PathOf(_node, reference), reference));
        var first = PeerBodyCodec.DecodeSnapshotChunk((await ExpectFrameAsync(PeerPayloadKind.SnapshotChunk)).Body.Span);
        await ExpectFrameAsync(PeerPayloadKind.SnapshotChunk);
        await SettleAsync(peer);

        Scheduler.Advance(TimeSpan.FromSeconds(9));
        await _raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        peer.Tell(new SnapshotAckReceived(2, new SnapshotAck(first.TransferId, 1_000, Abort: false, "")));
        await ExpectFrameAsync(PeerPayloadKind.SnapshotChunk);
        await SettleAsync(peer);

        // Ten seconds after the first chunks, but only nine after the acknowledgement.
        Scheduler.Advance(TimeSpan.FromSeconds(9));
        await _raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        Scheduler.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new SnapshotSendFinished(2, Failed: true), await _raft.ExpectMsgAsync<SnapshotSendFinished>());
    }
}
