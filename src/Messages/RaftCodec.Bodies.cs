namespace RaftActors.Messages;

public static partial class RaftCodec
{
    private static void WriteMessage(WireWriter w, RaftMessage m)
    {
        w.Byte((byte)m.Type);
        w.VarUInt(m.To);
        w.VarUInt(m.From);
        w.VarUInt(m.Term);
        w.VarUInt(m.LogTerm);
        w.VarUInt(m.Index);
        w.VarUInt(m.Commit);
        w.Bool(m.Reject);
        w.VarUInt(m.RejectHint);
        w.Bytes(m.Context);
        w.VarUInt((ulong)m.Entries.Count);
        foreach (var e in m.Entries) WriteEntry(w, e);
        w.Bool(m.Snapshot is not null);
        if (m.Snapshot is not null) WriteSnapshot(w, m.Snapshot);
    }

    private static RaftMessage ReadMessage(ref WireReader r)
    {
        var type = (MessageType)r.Byte();
        if (!type.IsDefined()) throw new CodecException($"unknown message type {(byte)type}");
        var to = r.VarUInt();
        var from = r.VarUInt();
        var term = r.VarUInt();
        var logTerm = r.VarUInt();
        var index = r.VarUInt();
        var commit = r.VarUInt();
        var reject = r.Bool();
        var hint = r.VarUInt();
        var context = r.Bytes();
        var count = r.Count(MinEntrySize, "entry");
        var entries = count == 0 ? [] : new Entry[count];
        for (var i = 0; i < count; i++) entries[i] = ReadEntry(ref r);
        var snapshot = r.Bool() ? ReadSnapshot(ref r) : null;
        return new RaftMessage
        {
            Type = type, To = to, From = from, Term = term, LogTerm = logTerm, Index = index, Commit = commit,
            Reject = reject, RejectHint = hint, Context = context, Entries = entries, Snapshot = snapshot,
        };
    }

    private static void WriteEntry(WireWriter w, Entry e)
    {
        w.VarUInt(e.Term);
        w.VarUInt(e.Index);
        w.Byte((byte)e.Type);
        w.Bytes(e.Data);
    }

    private static Entry ReadEntry(ref WireReader r)
    {
        var term = r.VarUInt();
        var index = r.VarUInt();
        var type = r.Byte();
        if (type > (byte)EntryType.ConfChange) throw new CodecException($"unknown entry type {type}");
        return new Entry(term, index, (EntryType)type, r.Bytes());
    }

    private static void WriteHardState(WireWriter w, HardState s)
    {
        w.VarUInt(s.Term);
        w.VarUInt(s.Vote);
        w.VarUInt(s.Commit);
    }

    private static HardState ReadHardState(ref WireReader r) => new(r.VarUInt(), r.VarUInt(), r.VarUInt());

    private static void WriteConfState(WireWriter w, ConfState s)
    {
        w.Ids(s.Voters);
        w.Ids(s.Learners);
        w.Ids(s.VotersOutgoing);
        w.Ids(s.LearnersNext);
        w.Bool(s.AutoLeave);
    }

    private static ConfState ReadConfState(ref WireReader r)
    {
        var voters = r.Ids("voter");
        var learners = r.Ids("learner");
        var outgoing = r.Ids("outgoing voter");
        var next = r.Ids("next learner");
        return new ConfState(voters, learners, outgoing, next, r.Bool());
    }

    private static void WriteConfChange(WireWriter w, ConfChange c)
    {
        w.Byte((byte)c.Transition);
        w.VarUInt((ulong)c.Changes.Count);
        foreach (var change in c.Changes)
        {
            w.Byte((byte)change.Type);
            w.VarUInt(change.NodeId);
        }
        w.Bytes(c.Context);
    }

    private static ConfChange ReadConfChange(ref WireReader r)
    {
        var transition = r.Byte();
        if (transition > (byte)ConfChangeTransition.JointExplicit) throw new CodecException($"unknown conf change transition {transition}");
        var count = r.Count(2, "conf change");
        var changes = new ConfChangeSingle[count];
        for (var i = 0; i < count; i++)
        {
            var type = r.Byte();
            if (type > (byte)ConfChangeType.AddLearner) throw new CodecException($"unknown conf change type {type}");
            changes[i] = new ConfChangeSingle((ConfChangeType)type, r.VarUInt());
        }
        return new ConfChange(changes, (ConfChangeTransition)transition, r.Bytes());
    }

    private static void WriteSnapshotMetadata(WireWriter w, SnapshotMetadata m)
    {
        w.VarUInt(m.Index);
        w.VarUInt(m.Term);
        WriteConfState(w, m.ConfState);
    }

    private static SnapshotMetadata ReadSnapshotMetadata(ref WireReader r) => new(r.VarUInt(), r.VarUInt(), ReadConfState(ref r));

    private static void WriteSnapshot(WireWriter w, Snapshot s)
    {
        WriteSnapshotMetadata(w, s.Metadata);
        w.Bytes(s.Data);
    }

    private static Snapshot ReadSnapshot(ref WireReader r) => new(ReadSnapshotMetadata(ref r), r.Bytes());
}
