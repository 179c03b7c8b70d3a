using System.Diagnostics.Metrics;
using System.Text;
using RaftActors.Actors.Remote;
using static RaftActors.Actors.Tests.Remote.RemoteSamples;

namespace RaftActors.Actors.Tests.Remote;

/// <summary>
/// The authenticated envelope: what a receiver accepts (a genuine frame of its cluster, for it, newer than the
/// last from its sender) and why it refuses everything else.
/// </summary>
public sealed class PeerAuthenticatorTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static PeerAuthenticator Node(ulong id, string cluster = ClusterId, byte[]? secret = null, TimeProvider? clock = null, Meter? meter = null) =>
        new(cluster, secret ?? Secret, id, clock ?? new SettableClock(Start), meter);

    private static byte[] Body(string text = "hello node") => Encoding.UTF8.GetBytes(text);

    private static void AssertRefused(PeerAuthenticator receiver, PeerFrame frame, PeerDropReason expected)
    {
        Assert.False(receiver.Open(frame, out var reason));
        Assert.Equal(expected, reason);
    }

    private static PeerFrame With(PeerFrame f, ulong? tag = null, ulong? from = null, ulong? to = null, ulong? sequence = null,
        PeerPayloadKind? kind = null, byte[]? body = null, byte[]? mac = null, ulong? identity = null) =>
        new(tag ?? f.ClusterTag, from ?? f.From, to ?? f.To, sequence ?? f.Sequence, kind ?? f.Kind, body ?? f.Body, mac ?? f.Mac,
            identity ?? f.SenderIdentity);

    [Fact]
    public void Receiver_accepts_a_frame_sealed_for_it_by_a_member_of_its_cluster()
    {
        var node1 = Node(1);
        var node2 = Node(2);

        var frame = node1.Seal(2, PeerPayloadKind.RaftMessages, Body());

        Assert.True(node2.Open(frame, out var reason));
        Assert.Equal(PeerDropReason.None, reason);
        Assert.Equal((node1.ClusterTag, 1UL, 2UL, PeerPayloadKind.RaftMessages), (frame.ClusterTag, frame.From, frame.To, frame.Kind));
        Assert.Equal(Body(), frame.Body.ToArray());
        Assert.Equal(PeerAuthenticator.MacSize, frame.Mac.Length);
    }

    [Fact]
    public void Receiver_refuses_a_frame_it_accepted_before()
    {
        var node1 = Node(1);
        var node2 = Node(2);
        var frame = node1.Seal(2, PeerPayloadKind.RaftMessages, Body());
        Assert.True(node2.Open(frame, out _));

        AssertRefused(node2, frame, PeerDropReason.Replayed);
        Assert.True(node2.Open(node1.Seal(2, PeerPayloadKind.RaftMessages, Body()), out _));
    }

    [Fact]
    public void Receiver_refuses_an_older_frame_that_arrives_after_a_newer_one()
    {
        var node1 = Node(1);
        var node2 = Node(2);
        var first = node1.Seal(2, PeerPayloadKind.RaftMessages, Body("first"));
        var second = node1.Seal(2, PeerPayloadKind.RaftMessages, Body("second"));

        Assert.True(node2.Open(second, out _));
        AssertRefused(node2, first, PeerDropReason.Replayed);
    }

    [Fact]
    public void Sequence_numbers_increase_per_link_even_when_the_clock_stands_still()
    {
        var node1 = Node(1);
        var node2 = Node(2);
        var node3 = Node(3);
        var sequences = new List<ulong>();
        for (var i = 0; i < 5; i++)
        {
            var to2 = node1.Seal(2, PeerPayloadKind.RaftMessages, Body());
            var to3 = node1.Seal(3, PeerPayloadKind.RaftMessages, Body());
            Assert.True(node2.Open(to2, out _));
            Assert.True(node3.Open(to3, out _));
            sequences.Add(to2.Sequence);
        }

        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
        // The first number of a link is the sender's clock in microseconds.
        Assert.Equal((ulong)(Start - DateTimeOffset.UnixEpoch).Ticks / 10, sequences[0]);
    }

    [Fact]
    public void Restarted_sender_is_accepted_and_its_previous_life_frames_stay_refused()
    {
        var clock = new SettableClock(Start);
        var before = Node(1, clock: clock);
        var node2 = Node(2);
        var captured = new List<PeerFrame>();
        for (var i = 0; i < 100; i++) captured.Add(before.Seal(2, PeerPayloadKind.RaftMessages, Body()));
        Assert.True(node2.Open(captured[^1], out _));

        clock.Now = Start.AddMilliseconds(1);
        var after = Node(1, clock: clock);

        Assert.True(node2.Open(after.Seal(2, PeerPayloadKind.RaftMessages, Body()), out _));
        foreach (var old in captured) AssertRefused(node2, old, PeerDropReason.Replayed);
    }

    [Fact]
    public void Sequence_numbers_follow_the_clock_when_it_runs_ahead_of_the_counter()
    {
        var clock = new SettableClock(Start);
        var node1 = Node(1, clock: clock);
        var first = node1.Seal(2, PeerPayloadKind.RaftMessages, Body());

        clock.Now = Start.AddSeconds(1);
        var later = node1.Seal(2, PeerPayloadKind.RaftMessages, Body());

        Assert.Equal(first.Sequence + 1_000_000, later.Sequence);
    }

    [Fact]
    public void Frame_of_another_cluster_is_refused_as_foreign()
    {
        var stranger = Node(1, cluster: "cluster-b");
        var node2 = Node(2);

        AssertRefused(node2, stranger.Seal(2, PeerPayloadKind.RaftMessages, Body()), PeerDropReason.ForeignCluster);
        Assert.NotEqual(stranger.ClusterTag, node2.ClusterTag);
    }

    [Fact]
    public void Frame_sealed_with_another_secret_is_refused_as_a_bad_mac()
    {
        var impostor = Node(1, secret: "another-secret-of-enough-bytes"u8.ToArray());
        var node2 = Node(2);

        var frame = impostor.Seal(2, PeerPayloadKind.RaftMessages, Body());

        Assert.Equal(node2.ClusterTag, frame.ClusterTag);
        AssertRefused(node2, frame, PeerDropReason.BadMac);
    }

    [Fact]
    public void Frame_for_node_2_relayed_to_node_3_is_refused()
    {
        var node1 = Node(1);
        var node3 = Node(3);
        var forNode2 = node1.Seal(2, PeerPayloadKind.RaftMessages, Body());

        AssertRefused(node3, forNode2, PeerDropReason.WrongReceiver);
        // Readdressing it does not help: the MAC binds the receiver's id.
        AssertRefused(node3, With(forNode2, to: 3), PeerDropReason.BadMac);
    }

    [Fact]
    public void Sender_id_0_or_the_receivers_own_id_is_refused_as_malformed()
    {
        var node2 = Node(2);
        var frame = Node(1).Seal(2, PeerPayloadKind.RaftMessages, Body());

        AssertRefused(node2, With(frame, from: 0), PeerDropReason.Malformed);
        AssertRefused(node2, With(frame, from: 2), PeerDropReason.Malformed);
        AssertRefused(node2, With(frame, kind: (PeerPayloadKind)9), PeerDropReason.Malformed);
        AssertRefused(node2, With(frame, mac: frame.Mac[..16]), PeerDropReason.Malformed);
        Assert.True(node2.Open(frame, out _));
    }

    [Fact]
    public void A_flipped_bit_anywhere_in_the_envelope_or_body_is_refused_and_changes_nothing()
    {
        var node2 = Node(2);
        var frame = Node(1).Seal(2, PeerPayloadKind.SnapshotChunk, Body("a body of a few bytes"));
        var flipped = 0;

        foreach (var mutated in EveryBitFlip(frame))
        {
            Assert.False(node2.Open(mutated, out var reason));
            Assert.NotEqual(PeerDropReason.None, reason);
            flipped++;
        }

        Assert.Equal(64 * 5 + 8 + 8 * (frame.Body.Length + frame.Mac.Length), flipped);
        Assert.True(node2.Open(frame, out _)); // none of the refusals moved the sender's watermark
    }

    private static IEnumerable<PeerFrame> EveryBitFlip(PeerFrame f)
    {
        for (var bit = 0; bit < 64; bit++)
        {
            var mask = 1UL << bit;
            yield return With(f, tag: f.ClusterTag ^ mask);
            yield return With(f, from: f.From ^ mask);
            yield return With(f, to: f.To ^ mask);
            yield return With(f, sequence: f.Sequence ^ mask);
            yield return With(f, identity: f.SenderIdentity ^ mask);
        }
        for (var bit = 0; bit < 8; bit++) yield return With(f, kind: (PeerPayloadKind)((byte)f.Kind ^ (1 << bit)));
        foreach (var (field, isBody) in new[] { (f.Body.ToArray(), true), (f.Mac, false) })
        {
            for (var i = 0; i < field.Length * 8; i++)
            {
                var copy = (byte[])field.Clone();
                copy[i / 8] ^= (byte)(1 << (i % 8));
                yield return isBody ? With(f, body: copy) : With(f, mac: copy);
            }
        }
    }

    [Fact]
    public void Drops_are_counted_by_reason_and_reported_to_the_meter()
    {
        using var meter = new Meter(RaftMetrics.MeterName);
        var measured = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == PeerAuthenticator.DroppedInstrument) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var reason = (string)tags.ToArray().Single(t => t.Key == "reason").Value!;
            measured[reason] = measured.GetValueOrDefault(reason) + value;
        });
        listener.Start();
        var node2 = Node(2, meter: meter);
        var frame = Node(1).Seal(2, PeerPayloadKind.RaftMessages, Body());

        node2.Open(frame, out _);
        node2.Open(frame, out _);
        node2.Open(frame, out _);
        node2.Open(Node(1, cluster: "elsewhere").Seal(2, PeerPayloadKind.RaftMessages, Body()), out _);
        node2.Open(Node(1).Seal(3, PeerPayloadKind.RaftMessages, Body()), out _);
        node2.Open(With(frame, body: Body("changed")), out _);
        node2.Open(With(frame, from: 0), out _);

        Assert.Equal(2, node2.Dropped(PeerDropReason.Replayed));
        Assert.Equal(1, node2.Dropped(PeerDropReason.ForeignCluster));
        Assert.Equal(1, node2.Dropped(PeerDropReason.WrongReceiver));
        Assert.Equal(1, node2.Dropped(PeerDropReason.BadMac));
        Assert.Equal(1, node2.Dropped(PeerDropReason.Malformed));
        Assert.Equal(0, node2.Dropped(PeerDropReason.None));
        Assert.Equal(new Dictionary<string, long>
        {
            ["replayed"] = 2, ["foreign_cluster"] = 1, ["wrong_receiver"] = 1, ["bad_mac"] = 1, ["malformed"] = 1,
        }, measured);
    }

    [Fact]
    public void A_frame_opened_by_many_threads_at_once_is_accepted_exactly_once()
    {
        var node1 = Node(1);
        var node2 = Node(2);
        var frames = Enumerable.Range(0, 2000).Select(_ => node1.Seal(2, PeerPayloadKind.RaftMessages, Body())).ToArray();
        var accepted = new int[frames.Length];

        Parallel.For(0, frames.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            if (node2.Open(frames[i / 4], out _)) Interlocked.Increment(ref accepted[i / 4]);
        });

        Assert.All(accepted, count => Assert.InRange(count, 0, 1));
        Assert.Equal(frames.Length * 4 - accepted.Sum(), node2.Dropped(PeerDropReason.Replayed));
        Assert.Equal(1, accepted[^1]); // the newest frame cannot have been overtaken
    }

    [Fact]
    public void Sealing_refuses_frames_that_no_receiver_could_accept()
    {
        var node1 = Node(1);

        Assert.Throws<ArgumentOutOfRangeException>(() => node1.Seal(0, PeerPayloadKind.RaftMessages, Body()));
        Assert.Throws<ArgumentOutOfRangeException>(() => node1.Seal(1, PeerPayloadKind.RaftMessages, Body()));
        Assert.Throws<ArgumentOutOfRangeException>(() => node1.Seal(2, (PeerPayloadKind)0, Body()));
        Assert.Throws<ArgumentException>(() => Node(1, secret: new byte[PeerAuthenticator.MinSecretBytes - 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Node(0));
    }

    [Fact]
    public void Cluster_tag_depends_on_the_cluster_id_alone()
    {
        Assert.Equal(Node(1).ClusterTag, Node(7, secret: "some-other-secret-bytes"u8.ToArray()).ClusterTag);
        Assert.Equal(PeerAuthenticator.TagOf(ClusterId), Node(1).ClusterTag);
        Assert.NotEqual(PeerAuthenticator.TagOf("cluster-a"), PeerAuthenticator.TagOf("cluster-A"));
    }
}
