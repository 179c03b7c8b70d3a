using RaftActors.Messages;

namespace RaftActors.Messages.Tests;

public sealed class CodecRoundTripTests
{
    internal static RaftMessage SampleMessage() => new()
    {
        Type = MessageType.Append, To = 2, From = 1, Term = 7, LogTerm = 6, Index = 41, Commit = 40,
        Reject = true, RejectHint = 39, Context = [1, 2, 3],
        Entries = [new Entry(7, 42, EntryType.Normal, [9, 9]), new Entry(7, 43, EntryType.ConfChange, RaftCodec.Encode(ConfChange.AddLearner(4)))],
        Snapshot = new Snapshot(new SnapshotMetadata(30, 5, new ConfState([1, 2, 3], [4], [1, 2], [3], true)), [5, 6]),
    };

    [Fact]
    public void Message_with_every_field_set_round_trips()
    {
        var message = SampleMessage();
        Assert.Equal(message, RaftCodec.DecodeMessage(RaftCodec.Encode(message)));
    }

    [Fact]
    public void Large_ids_and_terms_round_trip_through_varints()
    {
        var message = new RaftMessage { Type = MessageType.Vote, To = ulong.MaxValue, From = 1UL << 63, Term = 127, Index = 128 };
        Assert.Equal(message, RaftCodec.DecodeMessage(RaftCodec.Encode(message)));
    }

    [Fact]
    public void Hard_state_conf_state_and_conf_change_round_trip()
    {
        var hs = new HardState(3, 2, 10);
        Assert.Equal(hs, RaftCodec.DecodeHardState(RaftCodec.Encode(hs)));
        var cs = new ConfState([3, 1, 2], [5], [1, 2, 4], [4], true);
        Assert.Equal(cs, RaftCodec.DecodeConfState(RaftCodec.Encode(cs)));
        Assert.Equal([1UL, 2, 3], cs.Voters);
        var cc = new ConfChange([new(ConfChangeType.AddVoter, 4), new(ConfChangeType.RemoveNode, 1)], ConfChangeTransition.JointExplicit, [7]);
        Assert.Equal(cc, RaftCodec.DecodeConfChange(RaftCodec.Encode(cc)));
    }

    [Fact]
    public void Entry_and_snapshot_round_trip()
    {
        var entry = new Entry(1, 2, EntryType.Normal, [1, 2, 3]);
        Assert.Equal(entry, RaftCodec.DecodeEntry(RaftCodec.Encode(entry)));
        var snap = new Snapshot(new SnapshotMetadata(9, 2, new ConfState([1])), [4, 4]);
        Assert.Equal(snap, RaftCodec.DecodeSnapshot(RaftCodec.Encode(snap)));
        Assert.Equal(snap.Metadata, RaftCodec.DecodeSnapshotMetadata(RaftCodec.Encode(snap.Metadata)));
    }

    [Fact]
    public void Decoding_one_kind_as_another_is_refused()
    {
        var bytes = RaftCodec.Encode(new HardState(1, 1, 1));
        var ex = Assert.Throws<CodecException>(() => RaftCodec.DecodeMessage(bytes));
        Assert.Contains("expected a Message", ex.Message);
    }

    [Fact]
    public void Unknown_format_version_is_refused()
    {
        var bytes = RaftCodec.Encode(SampleMessage());
        bytes[0] = 99;
        var ex = Assert.Throws<CodecException>(() => RaftCodec.DecodeMessage(bytes));
        Assert.Contains("format version 99", ex.Message);
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        var bytes = RaftCodec.Encode(new HardState(1, 1, 1)).Append((byte)0).ToArray();
        Assert.Throws<CodecException>(() => RaftCodec.DecodeHardState(bytes));
    }

    [Fact]
    public void A_huge_declared_length_is_refused_before_allocating()
    {
        // version, tag, then an Entry whose data length claims 2^40 bytes.
        byte[] bytes = [RaftCodec.FormatVersion, 2, 1, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20];
        var ex = Assert.Throws<CodecException>(() => RaftCodec.DecodeEntry(bytes));
        Assert.Contains("exceeds the remaining", ex.Message);
    }
}
